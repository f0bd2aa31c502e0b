"""Membership history: moves keep the old rows, late joiners are listed until placed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError
from klassruk.models.school import Enrolment, GroupKind, GroupMembership, Student
from klassruk.services import groups
from tests.core.services.groups.group_school import ENGLISH, MOVE, START, split_english
from tests.factories import act_as


def test_move_keeps_history_and_old_dates_still_find_the_old_group(session, school):
    actor = act_as(session, "kl7")
    group1, group2 = split_english(session, school, actor)
    student = school.students7[0].id
    english = school.sid(ENGLISH)
    groups.move_student(session, actor, student_id=student, to_group_id=group2.id, on=MOVE)
    rows = session.execute(
        select(GroupMembership.group_id, GroupMembership.starts_on, GroupMembership.ends_on)
        .where(
            GroupMembership.student_id == student,
            GroupMembership.group_id.in_([group1.id, group2.id]),
        )
        .order_by(GroupMembership.starts_on)
    ).all()
    assert rows == [(group1.id, START, date(2026, 11, 8)), (group2.id, MOVE, None)]
    # A grade given on 8 November stays in group 1's journal; from 9 November it is group 2.
    assert groups.group_of_student_on(session, student, english, date(2026, 11, 8)).id == group1.id
    assert groups.group_of_student_on(session, student, english, START).id == group1.id
    assert groups.group_of_student_on(session, student, english, MOVE).id == group2.id
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert [len(g.student_ids) for g in info.splits[0].groups] == [2, 4]
    # Moving again into the group the student is already in is refused.
    with pytest.raises(DomainError, match="уже в группе"):
        groups.move_student(session, actor, student_id=student, to_group_id=group2.id, on=MOVE)


def test_unsplit_subject_is_filed_in_the_whole_class_group(session, school):
    group = groups.group_of_student_on(
        session, school.students7[0].id, school.sid("Математика"), START
    )
    assert group is not None and group.kind is GroupKind.WHOLE_CLASS


def test_a_student_who_joins_later_is_listed_until_placed(session, school):
    actor = act_as(session, "kl7")
    group1, _ = split_english(session, school, actor)
    newcomer = Student(last_name="Новиков", first_name="Пётр")
    session.add(newcomer)
    session.flush()
    session.add(Enrolment(student_id=newcomer.id, class_id=school.class7.id, starts_on=MOVE))
    session.flush()
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert [s.name for s in info.splits[0].unplaced] == ["Новиков Пётр"]
    assert info.table()[-1] == {"Обучающийся": "Новиков Пётр", ENGLISH: "не в группе"}
    groups.place_student(session, actor, student_id=newcomer.id, group_id=group1.id, on=MOVE)
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=MOVE)
    assert info.splits[0].unplaced == []
    with pytest.raises(DomainError, match="уже в группе"):
        groups.place_student(session, actor, student_id=newcomer.id, group_id=group1.id, on=MOVE)
