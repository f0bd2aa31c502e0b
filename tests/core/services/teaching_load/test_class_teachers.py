"""Class teacher appointments and the subject list."""

from __future__ import annotations

import pytest

from klassruk.errors import DomainError
from klassruk.models.school import SchoolClass
from klassruk.services.teaching_load.class_teachers import class_teachers, set_class_teacher
from klassruk.services.teaching_load.subjects import add_subject
from tests.factories import act_as


def test_class_teachers_and_subjects(session, school):
    actor = act_as(session, "zavuch")
    set_class_teacher(
        session, actor, class_id=school.class8.id, staff_id=school.staff["Англова"].id
    )
    assert session.get(SchoolClass, school.class8.id).class_teacher_id == school.staff["Англова"].id
    rows = class_teachers(session, actor)
    assert [(r.class_name, r.class_teacher) for r in rows] == [
        ("7А", "Классова Анна Ивановна"),
        ("8А", "Англова Анна Ивановна"),
    ]
    add_subject(session, actor, name="Астрономия", short_name="Астр.")
    with pytest.raises(DomainError, match="уже есть"):
        add_subject(session, actor, name="  астрономия ")
