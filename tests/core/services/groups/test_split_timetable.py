"""A split or a merge keeps every pupil's lessons of the subject a week, with chosen teachers."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError
from klassruk.models.journal import Grade, GradeKind, Lesson, TimetableSlot
from klassruk.models.school import GroupKind, ReportingPeriod, StudyGroup
from klassruk.services import groups
from klassruk.services.cabinet.lessons import lessons_of_students
from klassruk.services.groups.schedule import groups_without_lessons
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.slots import add_slot
from tests.core.services.groups.group_school import ENGLISH, School, english_plan
from tests.factories import act_as

PAST_WEEK = date(2026, 11, 30)
SPLIT_ON = date(2026, 12, 7)  # a Monday
NEXT_WEEK = date(2026, 12, 14)
# English: Monday 2nd, Wednesday 3rd, Friday 1st lesson; maths on Tuesday 1st.
ENGLISH_TIMES = [(1, 2, "21"), (3, 3, "21"), (5, 1, "14")]


@pytest.fixture
def timetabled(session, school: School) -> School:
    """The school with a quarter, a whole-class timetable and its lessons until mid-December."""
    session.add(ReportingPeriod(
        school_year_id=school.year.id, name="2 четверть",
        starts_on=date(2026, 11, 9), ends_on=date(2026, 12, 28),
    ))
    zavuch = act_as(session, "zavuch")
    whole = groups.whole_class_group(session, school.class7)
    for weekday, number, room in ENGLISH_TIMES:
        add_slot(
            session, zavuch, group_id=whole.id, subject_id=school.sid(ENGLISH),
            staff_id=school.staff["Англова"].id, weekday=weekday, lesson_number=number, room=room,
        )
    add_slot(
        session, zavuch, group_id=whole.id, subject_id=school.sid("Математика"),
        staff_id=school.staff["Математова"].id, weekday=2, lesson_number=1,
    )
    generate_lessons(
        session, zavuch, starts_on=PAST_WEEK, ends_on=SPLIT_ON + timedelta(days=5)
    )
    return school


def _week(session, school: School, monday: date) -> dict[int, Counter[tuple[str, str]]]:
    """Each 7А pupil's lessons of the week: how many per (subject, teacher)."""
    ids = [s.id for s in school.students7]
    lessons = lessons_of_students(session, ids, monday, monday + timedelta(days=5))
    return {sid: Counter((item.subject, item.teacher) for item in items)
            for sid, items in lessons.items()}


def _per_subject(week: dict[int, Counter[tuple[str, str]]], subject: str) -> dict[int, int]:
    return {sid: sum(n for (name, _), n in lessons.items() if name == subject)
            for sid, lessons in week.items()}


def _generate(session, monday: date) -> None:
    zavuch = act_as(session, "zavuch")
    generate_lessons(session, zavuch, starts_on=monday, ends_on=monday + timedelta(5))


def _split(session, school: School, **teachers) -> list[StudyGroup]:
    actor = act_as(session, "kl7")
    ids = [s.id for s in school.students7]
    return groups.create_splits(
        session, actor, class_id=school.class7.id,
        plans=[english_plan(school, ids[:3], ids[3:], **teachers)], on=SPLIT_ON,
    )


def test_a_split_gives_each_group_the_class_lessons_with_its_own_teacher(session, timetabled):
    school = timetabled
    before = {monday: _week(session, school, monday) for monday in (PAST_WEEK, SPLIT_ON)}
    assert set(_per_subject(before[SPLIT_ON], ENGLISH).values()) == {3}
    first, second = _split(session, school)
    _generate(session, NEXT_WEEK)
    ids = [s.id for s in school.students7]
    teacher_of = {**dict.fromkeys(ids[:3], "Англова А.И."),
                  **dict.fromkeys(ids[3:], "Инглишева А.И.")}
    for monday in (SPLIT_ON, NEXT_WEEK):
        week = _week(session, school, monday)
        assert _per_subject(week, ENGLISH) == _per_subject(before[SPLIT_ON], ENGLISH)
        assert _per_subject(week, "Математика") == _per_subject(before[SPLIT_ON], "Математика")
        for sid, lessons in week.items():
            assert lessons[(ENGLISH, teacher_of[sid])] == 3
    assert _week(session, school, PAST_WEEK) == before[PAST_WEEK]  # history stays as it was
    slots = session.execute(
        select(TimetableSlot.group_id, TimetableSlot.staff_id, TimetableSlot.weekday,
               TimetableSlot.lesson_number)
        .where(TimetableSlot.subject_id == school.sid(ENGLISH))
    ).all()
    assert sorted(slots) == sorted(
        [(first.id, school.staff["Англова"].id, d, n) for d, n, _ in ENGLISH_TIMES]
        + [(second.id, school.staff["Инглишева"].id, d, n) for d, n, _ in ENGLISH_TIMES]
    )


def test_a_merge_brings_the_lessons_back_to_the_class_with_the_chosen_teacher(
    session, timetabled
):
    school = timetabled
    before = _week(session, school, SPLIT_ON)
    _split(session, school)
    groups.merge_split(
        session, act_as(session, "kl7"), class_id=school.class7.id,
        subject_id=school.sid(ENGLISH), teacher_id=school.staff["Инглишева"].id, on=SPLIT_ON,
    )
    _generate(session, NEXT_WEEK)
    for monday in (SPLIT_ON, NEXT_WEEK):
        week = _week(session, school, monday)
        assert _per_subject(week, ENGLISH) == _per_subject(before, ENGLISH)
        assert {lessons[(ENGLISH, "Инглишева А.И.")] for lessons in week.values()} == {3}
    assert session.scalar(
        select(func.count()).select_from(StudyGroup).where(StudyGroup.kind == GroupKind.SUBGROUP)
    ) == 0
    info = groups.class_groups(session, act_as(session, "kl7"), class_id=school.class7.id,
                               on=SPLIT_ON)
    assert info.splits == []


def test_one_teacher_of_both_groups_keeps_the_class_times_for_the_first_group(
    session, timetabled
):
    """One teacher cannot give two lessons at once: the second group waits for the deputy head."""
    school = timetabled
    teacher = school.staff["Инглишева"].id
    first, second = _split(session, school, t1=teacher, t2=teacher)
    times = {
        group.id: {(s.weekday, s.lesson_number) for s in session.scalars(
            select(TimetableSlot).where(TimetableSlot.group_id == group.id))}
        for group in (first, second)
    }
    assert times == {first.id: {(d, n) for d, n, _ in ENGLISH_TIMES}, second.id: set()}
    coming = session.scalar(select(func.count()).select_from(Lesson).where(
        Lesson.group_id == second.id, Lesson.lesson_date >= SPLIT_ON))
    assert coming == 0  # no lesson the teacher could not give
    teacher7 = act_as(session, "kl7")
    assert groups_without_lessons(session, teacher7, class_id=school.class7.id) == [second.name]


def test_no_group_is_listed_without_lessons_in_a_class_without_a_timetable(session, school):
    ids = [s.id for s in school.students7]
    groups.create_splits(
        session, act_as(session, "kl7"), class_id=school.class7.id,
        plans=[english_plan(school, ids[:3], ids[3:])], on=SPLIT_ON,
    )
    assert groups_without_lessons(session, act_as(session, "kl7"),
                                  class_id=school.class7.id) == []


def test_groups_with_a_journal_of_their_own_are_not_merged(session, timetabled):
    school = timetabled
    first, _ = _split(session, school)
    lesson = session.scalar(select(Lesson).where(Lesson.group_id == first.id).limit(1))
    session.add(Grade(lesson_id=lesson.id, student_id=school.students7[0].id, value=5,
                      kind=GradeKind.CLASSWORK, weight=1.0, created_by="english"))
    session.flush()
    with pytest.raises(DomainError, match="свой журнал"):
        groups.merge_split(
            session, act_as(session, "kl7"), class_id=school.class7.id,
            subject_id=school.sid(ENGLISH), teacher_id=school.staff["Англова"].id, on=SPLIT_ON,
        )
