"""Lessons generated from the timetable for a range of school days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.models import AuditLog
from klassruk.models.journal import Lesson, LessonStatus, TimetableSlot
from klassruk.models.school import ReportingPeriod, StudyGroup
from klassruk.services import calendar
from klassruk.services.locking import lock_rows, read_modify_write

INSERT_BATCH = 5000


def _teaching_days(session: Session, starts_on: date, ends_on: date) -> list[date]:
    """The dates in the range that fall in a reporting period and are not holidays."""
    periods = list(
        session.execute(
            select(ReportingPeriod.starts_on, ReportingPeriod.ends_on).where(
                ReportingPeriod.starts_on <= ends_on, ReportingPeriod.ends_on >= starts_on
            )
        )
    )
    off = calendar.holiday_dates(session, starts_on, ends_on)
    return [
        day
        for day in calendar.dates_between(starts_on, ends_on)
        if day not in off and any(s <= day <= e for s, e in periods)
    ]


def _missing_lessons(
    session: Session, slots: list[TimetableSlot], days: list[date]
) -> list[dict[str, object]]:
    """Rows of the lessons the slots give on the days and do not have yet."""
    if not days:
        return []
    existing = {
        (slot_id, planned_on)
        for slot_id, planned_on in session.execute(
            select(Lesson.slot_id, Lesson.planned_on).where(
                Lesson.slot_id.in_([s.id for s in slots]),
                Lesson.planned_on.between(days[0], days[-1]),
            )
        )
    }
    by_weekday: dict[int, list[TimetableSlot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    return [
        {
            "group_id": slot.group_id,
            "subject_id": slot.subject_id,
            "staff_id": slot.staff_id,
            "lesson_date": day,
            "number": slot.lesson_number,
            "room": slot.room,
            "status": LessonStatus.SCHEDULED,
            "slot_id": slot.id,
            "planned_on": day,
        }
        for day in days
        for slot in by_weekday.get(day.isoweekday(), [])
        if (slot.id, day) not in existing
    ]


@read_modify_write("the slots locked before their missing lessons are computed")
def generate_lessons(
    session: Session,
    actor: Actor,
    *,
    starts_on: date,
    ends_on: date,
    class_id: int | None = None,
) -> int:
    """Create the lessons of the timetable for the dates, skipping holidays and non-period days.

    Idempotent: a slot gives at most one lesson per planned date, even after a move.
    """
    require(actor, Action.MANAGE_CALENDAR)
    if starts_on > ends_on:
        raise DomainError("Начало позже конца.")
    query = select(TimetableSlot.id)
    if class_id is not None:
        query = query.join(StudyGroup, StudyGroup.id == TimetableSlot.group_id).where(
            StudyGroup.class_id == class_id
        )
    # Locked: a second generation waits, then finds these slots' lessons and adds none.
    slots = lock_rows(session, TimetableSlot, list(session.scalars(query)))
    rows = _missing_lessons(session, slots, _teaching_days(session, starts_on, ends_on))
    # Bulk insert: a year of a large school is ~100 000 lessons. Core inserts bypass the per-row
    # audit hook, so one summary row says who generated what (rows derive from the timetable).
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(insert(Lesson), rows[start : start + INSERT_BATCH])
    if rows and not (actor.is_system and session.info.get("audit") is False):
        session.add(
            AuditLog(
                actor_user_id=actor.user_id,
                actor_login=actor.login,
                session_id=actor.session_id,
                operation="insert",
                entity="lesson",
                entity_id="bulk",
                changes={
                    "generated": len(rows),
                    "from": starts_on.isoformat(),
                    "to": ends_on.isoformat(),
                    "class_id": class_id,
                },
            )
        )
    session.flush()
    return len(rows)
