"""Class teacher appointments and the subject list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.school import SchoolClass, StudyGroup
from klassruk.services.journal.common import require_marks_allowed
from klassruk.services.teaching_load.class_teachers import (
    class_teachers,
    set_class_teacher,
    set_without_marks,
)
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


def test_the_deputy_head_teaches_a_class_without_marks_and_the_journal_refuses_them(
    session, school
):
    group = session.scalar(select(StudyGroup.id).where(StudyGroup.class_id == school.class7.id))
    assert group is not None
    require_marks_allowed(session, group)  # marks are taught by default
    with pytest.raises(PermissionDenied):
        set_without_marks(
            session, act_as(session, "kl7"), class_id=school.class7.id, without_marks=True
        )
    actor = act_as(session, "zavuch")
    set_without_marks(session, actor, class_id=school.class7.id, without_marks=True)
    assert [r.without_marks for r in class_teachers(session, actor)] == [True, False]
    with pytest.raises(DomainError, match="безотметочное обучение"):
        require_marks_allowed(session, group)
    set_without_marks(session, actor, class_id=school.class7.id, without_marks=False)
    require_marks_allowed(session, group)
