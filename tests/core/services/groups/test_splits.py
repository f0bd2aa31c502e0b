"""Splitting a class: proposals, invariants, Russian refusals, one split at a time."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.school import (
    GroupKind,
    GroupMembership,
    SchoolClass,
    SchoolYear,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.services import groups
from klassruk.services.groups.proposals import GroupPlan, SplitMethod, SplitPlan
from tests.concurrency import run_together
from tests.core.services.groups.group_school import (
    ENGLISH,
    START,
    build_school,
    english_plan,
    group_count,
    split_english,
)
from tests.factories import SYSTEM, act_as, actor_of


def test_alphabetical_split_puts_every_student_in_exactly_one_group(session, school):
    actor = act_as(session, "kl7")
    created = split_english(session, school, actor)
    assert [g.name for g in created] == ["7А: Английский язык, гр. 1", "7А: Английский язык, гр. 2"]
    info = groups.class_groups(session, actor, class_id=school.class7.id, on=START)
    (split,) = info.splits
    members = [sid for g in split.groups for sid in g.student_ids]
    assert sorted(members) == sorted(s.id for s in school.students7)
    assert len(members) == len(set(members))
    first = {s.name for s in info.students if s.student_id in split.groups[0].student_ids}
    assert first == {"Аксёнов Иван", "Белов Иван", "Волков Иван"}
    assert split.unplaced == []
    # The split replaces the whole-class load of the subject: taught once, full hours per group.
    english = session.execute(
        select(StudyGroup.kind, TeachingAssignment.hours_per_week, TeachingAssignment.staff_id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .where(
            TeachingAssignment.subject_id == school.sid(ENGLISH),
            StudyGroup.class_id == school.class7.id,
        )
    ).all()
    assert sorted(english) == sorted(
        [
            (GroupKind.SUBGROUP, 3.0, school.staff["Англова"].id),
            (GroupKind.SUBGROUP, 3.0, school.staff["Инглишева"].id),
        ]
    )
    table = info.table()
    assert table[0] == {"Обучающийся": "Аксёнов Иван", ENGLISH: "7А: Английский язык, гр. 1"}


def test_balanced_split_alternates_and_keeps_sizes_equal(session, school):
    actor = act_as(session, "kl7")
    proposal = groups.propose_split(
        session,
        actor,
        class_id=school.class7.id,
        subject_id=school.sid(ENGLISH),
        groups_count=4,
        method=SplitMethod.BALANCED,
        on=START,
    )
    assert sorted(len(g) for g in proposal.groups) == [1, 1, 2, 2]
    assert proposal.groups[0] == [school.students7[0].id, school.students7[4].id]


def test_last_years_groups_are_kept_and_newcomers_fill_the_smallest_group(session, school):
    previous = SchoolYear(name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 5, 31))
    session.add(previous)
    session.flush()
    class6 = SchoolClass(school_year_id=previous.id, grade=6, letter="А")
    session.add(class6)
    session.flush()
    old = [
        StudyGroup(
            school_year_id=previous.id,
            class_id=class6.id,
            subject_id=school.sid(ENGLISH),
            kind=GroupKind.SUBGROUP,
            name=f"6А: Английский язык, гр. {n}",
        )
        for n in (1, 2)
    ]
    session.add_all(old)
    session.flush()
    s = school.students7
    # Last year: Аксёнов, Волков in group 2; Белов, Громов, Дёмин in group 1; Егоров is new.
    for student, group in [
        (s[0], old[1]),
        (s[2], old[1]),
        (s[1], old[0]),
        (s[3], old[0]),
        (s[4], old[0]),
    ]:
        session.add(
            GroupMembership(
                group_id=group.id,
                student_id=student.id,
                starts_on=date(2025, 9, 1),
                ends_on=date(2026, 5, 31),
            )
        )
    session.flush()
    actor = act_as(session, "kl7")
    proposal = groups.propose_split(
        session,
        actor,
        class_id=school.class7.id,
        subject_id=school.sid(ENGLISH),
        groups_count=2,
        method=SplitMethod.LAST_YEAR,
        on=START,
    )
    assert proposal.groups == [[s[1].id, s[3].id, s[4].id], [s[0].id, s[2].id, s[5].id]]
    # 8А did not exist as 7А last year: the method is refused with a clear message.
    with pytest.raises(DomainError, match="не было класса 7А"):
        groups.propose_split(
            session,
            act_as(session, "kl8"),
            class_id=school.class8.id,
            subject_id=school.sid(ENGLISH),
            groups_count=2,
            method=SplitMethod.LAST_YEAR,
            on=START,
        )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "пуста"),
        ("twice", "сразу в две группы"),
        ("missing", "не распределены"),
        ("wrong_teacher", "нет предмета «Английский язык» в учебной нагрузке"),
        ("existing_name", "уже есть в этом учебном году"),
        ("same_names", "уже есть в этом учебном году"),
        ("no_teacher", "выберите учителя"),
    ],
)
def test_bad_split_gets_a_russian_message_and_saves_nothing(session, school, case, message):
    actor = act_as(session, "kl7")
    ids = [s.id for s in school.students7]
    first, second, kw = ids[:3], ids[3:], {}
    if case == "empty":
        first, second = ids, []
    elif case == "twice":
        second = ids[2:]
    elif case == "missing":
        second = ids[3:5]
    elif case == "wrong_teacher":
        kw = {"t2": school.staff["Физрукова"].id}
    elif case == "existing_name":
        kw = {"name2": "7А"}  # the whole-class group's name
    elif case == "same_names":
        kw = {"name2": "7а: английский язык, гр. 1"}
    elif case == "no_teacher":
        kw = {"t1": None}
    before_load = session.scalar(select(func.count()).select_from(TeachingAssignment))
    with pytest.raises(DomainError, match=message):
        groups.create_splits(
            session,
            actor,
            class_id=school.class7.id,
            plans=[english_plan(school, first, second, **kw)],
            on=START,
        )
    assert group_count(session) == 0
    assert session.scalar(select(func.count()).select_from(TeachingAssignment)) == before_load


def test_second_subject_error_saves_neither_subject(session, school):
    actor = act_as(session, "kl7")
    ids = [s.id for s in school.students7]
    informatics = SplitPlan(
        subject_id=school.sid("Информатика"),
        groups=[
            GroupPlan("7А: Информатика, гр. 1", school.staff["Информова"].id, ids[:3]),
            GroupPlan("7А: Информатика, гр. 2", school.staff["Информова"].id, []),
        ],
    )
    with pytest.raises(DomainError, match="пуста"):
        groups.create_splits(
            session,
            actor,
            class_id=school.class7.id,
            plans=[english_plan(school, ids[:3], ids[3:]), informatics],
            on=START,
        )
    assert group_count(session) == 0


def test_splitting_the_same_subject_twice_is_refused(session, school):
    actor = act_as(session, "kl7")
    split_english(session, school, actor)
    with pytest.raises(DomainError, match="уже разделён"):
        split_english(session, school, actor)


def test_two_sessions_splitting_one_subject_at_once_give_one_split(factory):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
        teacher = actor_of(session, "kl7")
        ids = [s.id for s in school.students7]

    def split(suffix):
        plan = english_plan(
            school, ids[:3], ids[3:], name1=f"Англ. {suffix}1", name2=f"Англ. {suffix}2"
        )

        def write(session, _seen):
            return groups.create_splits(
                session, teacher, class_id=school.class7.id, plans=[plan], on=START
            )

        return write

    results = run_together(factory, [(teacher, lambda _s: None, split(n)) for n in "АБ"])
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and "уже разделён" in str(refused[0]), results
    with unit_of_work(factory, SYSTEM) as session:
        assert group_count(session) == 2
