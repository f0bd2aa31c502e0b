"""A split or a merge carries the subject's timetable and coming lessons to the new groups.

Without it the new groups had no slots and no lessons: the subject vanished from the families'
timetable. Every pupil keeps the same lessons of the subject a week: each target group gets the
source's slots (same day and number) with its own teacher, and the lessons from the day of the
change on that nothing was recorded in yet (no grade, absence or grade history) move with them,
with their topic, homework, status and announced changes. Lessons with records stay where they
are: they are the journal's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.journal import (
    Absence,
    Grade,
    GradeChange,
    Lesson,
    LessonChange,
    PlannedTest,
    TimetableSlot,
)
from klassruk.models.school import StudyGroup, TeachingAssignment
from klassruk.services.scope.classes import require_class_scope


@dataclass(frozen=True)
class Target:
    """A group the subject's lessons go to, and who teaches it."""

    group_id: int
    teacher_id: int


def carry_schedule(
    session: Session,
    *,
    subject_id: int,
    sources: list[int],
    targets: list[Target],
    on: date,
    subject_name: str,
) -> None:
    """Give every target group the sources' slots and coming lessons of the subject; drop theirs.

    Sources with different timetables (a merge of groups taught at different times) are refused:
    the merged group could not keep every pupil's lessons.
    """
    slots = list(
        session.scalars(
            select(TimetableSlot)
            .where(TimetableSlot.group_id.in_(sources), TimetableSlot.subject_id == subject_id)
            .order_by(TimetableSlot.weekday, TimetableSlot.lesson_number, TimetableSlot.id)
        )
    )
    _check_same_times(slots, sources, subject_name)
    placed = _placeable(session, slots, targets)
    lessons = _coming_lessons(session, subject_id, sources, on)
    planned = {slot.id: slot.staff_id for slot in slots}
    # The sources' slots go first: a target's teacher may be the source's, at the same times.
    for old in slots:
        session.delete(old)
    session.flush()
    new_slots = _carry_slots(session, slots, targets, placed)
    for lesson in _one_per_time(lessons):
        changes = list(
            session.scalars(select(LessonChange).where(LessonChange.lesson_id == lesson.id))
        )
        # A substitute stays on the lesson; a lesson taught as planned gets the group's teacher.
        substituted = lesson.staff_id != planned.get(lesson.slot_id or 0, lesson.staff_id)
        for index, target in enumerate(targets):
            slot = new_slots.get((lesson.slot_id, target.group_id)) if lesson.slot_id else None
            if lesson.slot_id and slot is None:
                continue  # the group's teacher is busy then: the deputy head places the hour
            copy = Lesson(
                group_id=target.group_id,
                subject_id=subject_id,
                staff_id=lesson.staff_id if substituted else target.teacher_id,
                lesson_date=lesson.lesson_date,
                number=lesson.number,
                room=lesson.room if index == 0 else None,
                status=lesson.status,
                topic=lesson.topic,
                homework=lesson.homework,
                slot_id=slot.id if slot is not None else None,
                planned_on=lesson.planned_on,
            )
            session.add(copy)
            session.flush()
            session.add_all(_copied_change(change, copy.id) for change in changes)
    for lesson in lessons:
        session.delete(lesson)
    _carry_tests(session, subject_id, sources, targets, on)
    session.flush()


def _check_same_times(slots: list[TimetableSlot], sources: list[int], subject_name: str) -> None:
    times: dict[int, set[tuple[int, int]]] = {group_id: set() for group_id in sources}
    for slot in slots:
        times[slot.group_id].add((slot.weekday, slot.lesson_number))
    # A group still waiting for its hours (its teacher was busy) loses nothing in the merge.
    if len({frozenset(t) for t in times.values() if t}) > 1:
        raise DomainError(
            f"«{subject_name}»: у групп разное расписание, после объединения часть обучающихся "
            "потеряла бы уроки. Попросите завуча поставить уроки групп в одно время, затем "
            "объедините группы."
        )


def _placeable(
    session: Session, slots: list[TimetableSlot], targets: list[Target]
) -> set[tuple[int, int]]:
    """(source slot id, target group id) pairs whose teacher is free then: one lesson at a time.

    A teacher who takes two of the groups, or who teaches elsewhere at that hour, gets the hour
    for the first group only (or not at all): the other group's hour is left for the deputy
    head to place, and `groups_without_lessons` shows it on the class's groups screen.
    """
    if not slots:
        return set()
    teachers = {target.teacher_id for target in targets}
    taken = {
        (row.staff_id, row.weekday, row.lesson_number)
        for row in session.execute(
            select(TimetableSlot.staff_id, TimetableSlot.weekday, TimetableSlot.lesson_number)
            .where(
                TimetableSlot.school_year_id == slots[0].school_year_id,
                TimetableSlot.staff_id.in_(teachers),
                TimetableSlot.id.not_in([slot.id for slot in slots]),
            )
        )
    }
    placed: set[tuple[int, int]] = set()
    given: dict[tuple[int, int, int], int] = {}  # (teacher, day, number) → the group given it
    for slot in slots:
        for target in targets:
            hour = (target.teacher_id, slot.weekday, slot.lesson_number)
            if hour in taken or given.get(hour, target.group_id) != target.group_id:
                continue
            given[hour] = target.group_id
            placed.add((slot.id, target.group_id))
    return placed


def _coming_lessons(
    session: Session, subject_id: int, sources: list[int], on: date
) -> list[Lesson]:
    """The sources' lessons of the subject from `on` with nothing recorded in them."""
    recorded = or_(
        select(Grade.id).where(Grade.lesson_id == Lesson.id).exists(),
        select(Absence.id).where(Absence.lesson_id == Lesson.id).exists(),
        select(GradeChange.id).where(GradeChange.lesson_id == Lesson.id).exists(),
    )
    return list(
        session.scalars(
            select(Lesson)
            .where(
                Lesson.group_id.in_(sources),
                Lesson.subject_id == subject_id,
                Lesson.lesson_date >= on,
                ~recorded,
            )
            .order_by(Lesson.lesson_date, Lesson.number, Lesson.id)
        )
    )


def _one_per_time(lessons: list[Lesson]) -> list[Lesson]:
    """Merged groups had the same lesson each: one of them is carried."""
    seen: set[tuple[date, int]] = set()
    kept = []
    for lesson in lessons:
        if (lesson.lesson_date, lesson.number) not in seen:
            seen.add((lesson.lesson_date, lesson.number))
            kept.append(lesson)
    return kept


def _carry_slots(
    session: Session,
    slots: list[TimetableSlot],
    targets: list[Target],
    placed: set[tuple[int, int]],
) -> dict[tuple[int, int], TimetableSlot]:
    """New slots by (source slot id, target group id); a merge's twin slots map to one."""
    made: dict[tuple[int, int], TimetableSlot] = {}
    by_time: dict[tuple[int, int, int], TimetableSlot] = {}
    for slot in slots:
        for index, target in enumerate(targets):
            if (slot.id, target.group_id) not in placed:
                continue
            time = (target.group_id, slot.weekday, slot.lesson_number)
            if time not in by_time:
                by_time[time] = TimetableSlot(
                    school_year_id=slot.school_year_id,
                    group_id=target.group_id,
                    subject_id=slot.subject_id,
                    staff_id=target.teacher_id,
                    weekday=slot.weekday,
                    lesson_number=slot.lesson_number,
                    # One room cannot hold two groups at once: the deputy head gives the others.
                    room=slot.room if index == 0 else None,
                )
                session.add(by_time[time])
            made[(slot.id, target.group_id)] = by_time[time]
    session.flush()
    return made


def _copied_change(change: LessonChange, lesson_id: int) -> LessonChange:
    return LessonChange(
        lesson_id=lesson_id,
        kind=change.kind,
        announced_at=change.announced_at,
        announced_by=change.announced_by,
        old_staff_id=change.old_staff_id,
        new_staff_id=change.new_staff_id,
        old_date=change.old_date,
        new_date=change.new_date,
        old_number=change.old_number,
        new_number=change.new_number,
        reason=change.reason,
    )


def _carry_tests(
    session: Session, subject_id: int, sources: list[int], targets: list[Target], on: date
) -> None:
    """Tests planned for the sources from `on`: each target group writes them too."""
    tests = list(
        session.scalars(
            select(PlannedTest).where(
                PlannedTest.group_id.in_(sources),
                PlannedTest.subject_id == subject_id,
                PlannedTest.planned_on >= on,
            )
        )
    )
    seen: set[tuple[date, str]] = set()
    for test in tests:
        if (test.planned_on, test.title) not in seen:
            seen.add((test.planned_on, test.title))
            session.add_all(
                PlannedTest(
                    group_id=target.group_id, subject_id=subject_id, planned_on=test.planned_on,
                    title=test.title, created_by=test.created_by,
                )
                for target in targets
            )
        session.delete(test)


def groups_without_lessons(session: Session, actor: Actor, *, class_id: int) -> list[str]:
    """The class's groups taught some hours a week that have no hour in its timetable yet.

    Empty while the class has no timetable at all (nothing to compare with).
    """
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    class_groups = select(StudyGroup.id).where(StudyGroup.class_id == class_id)
    if session.scalar(
        select(TimetableSlot.id).where(TimetableSlot.group_id.in_(class_groups)).limit(1)
    ) is None:
        return []
    return list(
        session.scalars(
            select(StudyGroup.name)
            .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
            .where(
                StudyGroup.class_id == class_id,
                TeachingAssignment.hours_per_week > 0,
                ~select(TimetableSlot.id).where(TimetableSlot.group_id == StudyGroup.id).exists(),
            )
            .distinct()
            .order_by(StudyGroup.name)
        )
    )
