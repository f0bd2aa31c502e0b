"""Who teaches a student: the most specific group wins; refused outside scope."""

from __future__ import annotations

import pytest

from klassruk.errors import PermissionDenied
from klassruk.models.school import GroupKind
from klassruk.services import groups
from tests.core.services.groups.group_school import ENGLISH, START, split_english
from tests.factories import act_as


def test_who_teaches_a_student_lists_the_subgroup_teacher_not_the_class_one(session, school):
    split_english(session, school, act_as(session, "kl7"))
    belov = school.students7[1].id  # group 1 (Англова); Егоров is in group 2 (Инглишева)
    for login in ("kl7", "zavuch", "mama", "belov"):
        actor = act_as(session, login)
        rows = groups.teachers_of_student(session, actor, student_id=belov, on=START)
        by_subject = {r.subject: (r.teacher, r.kind) for r in rows}
        assert by_subject[ENGLISH] == ("Англова Анна Ивановна", GroupKind.SUBGROUP)
        assert by_subject["Математика"] == ("Математова Анна Ивановна", GroupKind.WHOLE_CLASS)
    rows = groups.teachers_of_student(
        session, act_as(session, "kl7"), student_id=school.students7[5].id, on=START
    )
    assert [r.teacher for r in rows if r.subject == ENGLISH] == ["Инглишева Анна Ивановна"]
    class_rows = groups.teachers_of_class(
        session, act_as(session, "kl7"), class_id=school.class7.id, on=START
    )
    assert {(r.subject, r.teacher) for r in class_rows if r.subject == ENGLISH} == {
        (ENGLISH, "Англова Анна Ивановна"),
        (ENGLISH, "Инглишева Анна Ивановна"),
    }


def test_who_teaches_is_refused_outside_scope(session, school):
    other_child = school.students8[0].id
    for login in ("mama", "belov", "kl7", "english"):
        with pytest.raises(PermissionDenied):
            groups.teachers_of_student(
                session, act_as(session, login), student_id=other_child, on=START
            )
    other = act_as(session, "kl8")
    with pytest.raises(PermissionDenied):
        groups.teachers_of_class(session, other, class_id=school.class7.id, on=START)
