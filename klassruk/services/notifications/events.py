"""Events of the outbox: built where a change happens, written in the change's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.models.journal import AbsenceMark, GradeKind, Lesson, LessonChange, LessonStatus
from klassruk.models.notifications import EventKind, OutboxEvent, Topic

# Lesson changes further ahead than this reach families with the timetable, not as news.
COMING_DAYS = 14

TOPIC_OF: dict[EventKind, Topic] = {
    EventKind.GRADE_ADDED: Topic.GRADES,
    EventKind.GRADE_CHANGED: Topic.GRADES,
    EventKind.GRADE_DELETED: Topic.GRADES,
    EventKind.ABSENCE: Topic.ABSENCES,
    EventKind.PERIOD_GRADE: Topic.PERIOD_GRADES,
    EventKind.RECOMMENDATION: Topic.RECOMMENDATIONS,
    EventKind.TEST_PLANNED: Topic.TESTS,
    EventKind.LESSON_SUBSTITUTION: Topic.LESSON_CHANGES,
    EventKind.LESSON_MOVE: Topic.LESSON_CHANGES,
    EventKind.LESSON_CANCELLATION: Topic.LESSON_CHANGES,
    EventKind.HOMEWORK: Topic.HOMEWORK,
    EventKind.HOLIDAY: Topic.HOLIDAYS,
    EventKind.CLASS_MESSAGE: Topic.MESSAGES,
}


@dataclass(frozen=True)
class Event:
    """A change families may hear about: about a student, a group's students, or a class."""

    kind: EventKind
    payload: dict[str, Any] = field(default_factory=dict)
    student_id: int | None = None
    group_id: int | None = None
    class_id: int | None = None
    urgent: bool = False


def emit(session: Session, events: Iterable[Event]) -> int:
    """Write events into the outbox in the caller's transaction: one statement, any number."""
    now = utcnow()
    rows = [
        {
            "created_at": now,
            "kind": event.kind,
            "topic": TOPIC_OF[event.kind],
            "student_id": event.student_id,
            "group_id": event.group_id,
            "class_id": event.class_id,
            "payload": event.payload,
            "urgent": event.urgent,
        }
        for event in events
    ]
    if rows:
        # A Core INSERT of the table with RETURNING: SQLAlchemy's "insertmanyvalues" sends one
        # multi-row statement (psycopg's plain executemany is a statement per row) from a cached
        # compilation. `insert(OutboxEvent).values(rows)` built and compiled a new statement
        # every save, 15–25 ms of Python for ten events.
        table = cast(Table, OutboxEvent.__table__)
        session.execute(insert(table).returning(table.c.id), rows)
    return len(rows)


def _lesson_payload(lesson: Lesson) -> dict[str, Any]:
    return {
        "subject_id": lesson.subject_id,
        "lesson_id": lesson.id,
        "lesson_date": lesson.lesson_date.isoformat(),
    }


Marks = Sequence[tuple[int, GradeKind]]


def grade_events(
    lesson: Lesson, student_id: int, old: Marks, new: Marks, reason: str
) -> list[Event]:
    """Added, changed and deleted grades of one journal cell, position by position."""
    found = []
    for index in range(max(len(old), len(new))):
        before = old[index] if index < len(old) else None
        after = new[index] if index < len(new) else None
        if before == after:
            continue
        payload = _lesson_payload(lesson)
        if before is None:
            assert after is not None
            kind = EventKind.GRADE_ADDED
        else:
            kind = EventKind.GRADE_DELETED if after is None else EventKind.GRADE_CHANGED
            payload.update(old_value=before[0], reason=reason)
        if after is not None:
            payload.update(value=after[0], grade_kind=after[1].value)
        found.append(Event(kind, payload, student_id=student_id))
    return found


def absence_events(
    lesson: Lesson, student_id: int, old: AbsenceMark | None, new: AbsenceMark | None
) -> list[Event]:
    """A new or changed absence mark (clearing one is not news)."""
    if new is None or new == old:
        return []
    payload = _lesson_payload(lesson) | {"mark": new.value}
    return [Event(EventKind.ABSENCE, payload, student_id=student_id)]


def period_grade_event(
    *, period_id: int, subject_id: int, student_id: int, value: int | None, old: int | None
) -> Event:
    """A period grade set, changed or removed."""
    payload = {"period_id": period_id, "subject_id": subject_id, "value": value, "old_value": old}
    return Event(EventKind.PERIOD_GRADE, payload, student_id=student_id)


def recommendation_event(*, recommendation_id: int, subject_id: int, student_id: int) -> Event:
    """A teacher's new recommendation."""
    payload = {"recommendation_id": recommendation_id, "subject_id": subject_id}
    return Event(EventKind.RECOMMENDATION, payload, student_id=student_id)


def test_event(*, group_id: int, subject_id: int, on: date, title: str) -> Event:
    """A test planned for a group."""
    payload = {"subject_id": subject_id, "planned_on": on.isoformat(), "title": title}
    return Event(EventKind.TEST_PLANNED, payload, group_id=group_id)


def homework_event(lesson: Lesson) -> Event:
    """Homework set or changed for a lesson."""
    payload = _lesson_payload(lesson) | {"homework": lesson.homework or ""}
    return Event(EventKind.HOMEWORK, payload, group_id=lesson.group_id)


def holiday_event(*, name: str, starts_on: date, ends_on: date) -> Event:
    """Holidays or a day off, for the whole school."""
    payload = {"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
    return Event(EventKind.HOLIDAY, payload)


_CHANGE_KINDS = {
    "substitution": EventKind.LESSON_SUBSTITUTION,
    "move": EventKind.LESSON_MOVE,
    "cancellation": EventKind.LESSON_CANCELLATION,
}


def lesson_change_events(
    session: Session, lesson: Lesson, change: LessonChange, *, today: date
) -> list[Event]:
    """A substitution, move or cancellation in the coming days; urgent if it cancels tomorrow's
    first lesson."""
    dates = [d for d in (change.old_date, change.new_date, lesson.lesson_date) if d is not None]
    if not any(today <= d <= today + timedelta(days=COMING_DAYS) for d in dates):
        return []
    kind = _CHANGE_KINDS[change.kind.value]
    urgent = False
    if kind is EventKind.LESSON_CANCELLATION and lesson.lesson_date == today + timedelta(days=1):
        first = session.scalar(
            select(func.min(Lesson.number)).where(
                Lesson.group_id == lesson.group_id,
                Lesson.lesson_date == lesson.lesson_date,
                Lesson.status == LessonStatus.SCHEDULED,
            )
        )
        urgent = first is None or lesson.number <= first
    payload = _lesson_payload(lesson) | {
        "number": lesson.number,
        "old_date": change.old_date.isoformat() if change.old_date else None,
        "old_number": change.old_number,
        "new_staff_id": change.new_staff_id,
        "reason": change.reason or "",
    }
    return [Event(kind, payload, group_id=lesson.group_id, urgent=urgent)]
