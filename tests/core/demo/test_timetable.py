"""The demo's timetable is one the deputy head could have entered: no teacher is in two places."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DEFAULT, SMALL, DemoSize
from klassruk.models.journal import (
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    TimetableSlot,
)
from klassruk.models.school import StudyGroup
from klassruk.services.timetable.slots import slot_problem


def _slots(session: Session) -> list[TimetableSlot]:
    return list(session.scalars(select(TimetableSlot).order_by(TimetableSlot.id)))


@pytest.mark.parametrize("size", [SMALL, DEFAULT], ids=["small", "default"])
def test_no_teacher_has_two_lessons_at_one_time(session: Session, size: DemoSize) -> None:
    seed_demo_school(session, size=size)
    slots = _slots(session)
    teacher_times = Counter(
        (s.school_year_id, s.staff_id, s.weekday, s.lesson_number) for s in slots
    )
    assert [time for time, n in teacher_times.items() if n > 1] == []
    class_of = dict(session.execute(select(StudyGroup.id, StudyGroup.class_id)).all())
    assert all(1 <= s.lesson_number <= 8 and 1 <= s.weekday <= 5 for s in slots)
    streams = [s for s in slots if class_of[s.group_id] is None]
    if size == DEFAULT:
        assert streams, "the default school has a stream: its slots are checked too"
        assert all(s.room == "Актовый зал" for s in streams)
        hall = Counter((s.weekday, s.lesson_number) for s in streams)
        assert max(hall.values()) == 1, "the assembly hall holds one stream at a time"
    # Subgroups of a split subject with two teachers still share their time.
    by_time: dict[tuple[int, int, int, int], set[int]] = {}
    for s in slots:
        if class_of[s.group_id] is not None:
            key = (class_of[s.group_id], s.subject_id, s.weekday, s.lesson_number)
            by_time.setdefault(key, set()).add(s.staff_id)
    assert any(len(teachers) > 1 for teachers in by_time.values()) == (size == DEFAULT)
    # The lessons generated from the timetable keep it (changes aside: they move only a few).
    kept = session.scalar(
        select(Lesson.id)
        .join(TimetableSlot, TimetableSlot.id == Lesson.slot_id)
        .where(Lesson.number == TimetableSlot.lesson_number)
        .limit(1)
    )
    assert kept is not None
    # Substitutions and moves of the journal and of the demo family keep the rule too.
    for owner in (Lesson.staff_id, Lesson.group_id):
        twice = session.execute(
            select(owner, Lesson.lesson_date, Lesson.number)
            .where(Lesson.status == LessonStatus.SCHEDULED)
            .group_by(owner, Lesson.lesson_date, Lesson.number)
            .having(func.count() > 1)
        ).all()
        assert twice == []
    assert session.scalar(
        select(func.count())
        .select_from(LessonChange)
        .where(LessonChange.kind.in_([LessonChangeKind.SUBSTITUTION, LessonChangeKind.MOVE]))
    )


@pytest.mark.parametrize("size", [SMALL, DEFAULT], ids=["small", "default"])
def test_every_demo_slot_passes_the_timetable_check(session: Session, size: DemoSize) -> None:
    seed_demo_school(session, size=size)
    slots = [
        (s.school_year_id, s.group_id, s.subject_id, s.staff_id, s.weekday, s.lesson_number)
        for s in _slots(session)
    ]
    # Entered again one by one, as an import of the whole timetable would check them.
    session.execute(delete(TimetableSlot))
    taken: set[tuple[str, int, int, int]] = set()
    problems = []
    for year_id, group_id, subject_id, staff_id, weekday, number in slots:
        candidate = TimetableSlot(
            school_year_id=year_id, group_id=group_id, subject_id=subject_id,
            staff_id=staff_id, weekday=weekday, lesson_number=number,
        )
        problem = slot_problem(session, candidate, ignore=taken)
        if problem:
            problems.append((group_id, staff_id, weekday, number, problem))
        taken.add(("group", group_id, weekday, number))
        taken.add(("staff", staff_id, weekday, number))
    assert problems == []
