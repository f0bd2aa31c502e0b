"""Study groups are set up by the class's own class teacher only."""

from __future__ import annotations

import pytest

from klassruk.access.permissions import Action
from klassruk.errors import PermissionDenied
from klassruk.services import groups
from klassruk.services.scope.classes import classes_in_scope
from tests.core.services.groups.group_school import (
    ENGLISH,
    MOVE,
    START,
    english_plan,
    split_english,
)
from tests.factories import act_as


def test_class_teacher_cannot_create_or_change_groups_of_another_class(session, school):
    group1, group2 = split_english(session, school, act_as(session, "kl7"))
    other = act_as(session, "kl8")
    ids = [s.id for s in school.students7]
    with pytest.raises(PermissionDenied):
        groups.create_splits(
            session,
            other,
            class_id=school.class7.id,
            plans=[english_plan(school, ids[:3], ids[3:])],
            on=START,
        )
    with pytest.raises(PermissionDenied):
        groups.move_student(session, other, student_id=ids[0], to_group_id=group2.id, on=MOVE)
    with pytest.raises(PermissionDenied):
        groups.update_group(
            session, other, group_id=group1.id, name="Чужая", teacher_id=school.staff["Англова"].id
        )
    with pytest.raises(PermissionDenied):
        groups.class_groups(session, other, class_id=school.class7.id, on=START)
    own = classes_in_scope(session, other, action=Action.MANAGE_STUDY_GROUPS)
    assert [choice.class_id for choice in own] == [school.class8.id]


def test_teacher_cannot_change_groups_at_all(session, school):
    group1, group2 = split_english(session, school, act_as(session, "kl7"))
    teacher = act_as(session, "english")  # teaches group 1, still may not change it
    with pytest.raises(PermissionDenied):
        groups.move_student(
            session, teacher, student_id=school.students7[0].id, to_group_id=group2.id, on=MOVE
        )
    with pytest.raises(PermissionDenied):
        groups.update_group(
            session,
            teacher,
            group_id=group1.id,
            name="Новая",
            teacher_id=school.staff["Англова"].id,
        )
    with pytest.raises(PermissionDenied):
        classes_in_scope(session, teacher, action=Action.MANAGE_STUDY_GROUPS)
    with pytest.raises(PermissionDenied):
        groups.create_stream(
            session,
            teacher,
            name="Поток",
            subject_id=school.sid(ENGLISH),
            teacher_id=school.staff["Англова"].id,
            hours_per_week=2,
            student_ids=[school.students7[0].id, school.students8[0].id],
            on=START,
        )
