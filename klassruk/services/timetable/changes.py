"""Announced changes to a lesson: substitution, move, cancellation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models.journal import Grade, Lesson, LessonChange, LessonChangeKind, LessonStatus
from klassruk.models.school import Staff, StudyGroup
from klassruk.services import calendar
from klassruk.services.locking import lock_or_404, lock_rows
from klassruk.services.notifications import events
from klassruk.services.school_settings import school_today
from klassruk.text.formatting import format_date
from klassruk.text.policy import optional_reason, required_reason
from klassruk.text.russian import agree_with


def _lesson(session: Session, lesson_id: int) -> Lesson:
    # Locked: two changes of one lesson at once must see each other, not the same old state.
    return lock_or_404(session, Lesson, lesson_id, "Урок не найден.")


def _check_open(session: Session, lesson: Lesson) -> None:
    period = calendar.period_on(session, lesson.lesson_date)
    if period is not None and period.is_closed:
        raise DomainError(f"Период «{period.name}» закрыт: урок изменить нельзя.")
    if lesson.status == LessonStatus.CANCELLED:
        raise DomainError("Урок уже отменён.")


def _change(
    actor: Actor, lesson: Lesson, kind: LessonChangeKind, reason: str, at: datetime | None
) -> LessonChange:
    return LessonChange(
        lesson_id=lesson.id,
        kind=kind,
        announced_at=at or utcnow(),
        announced_by=actor.login,
        reason=optional_reason(reason),
    )


def _announce(session: Session, lesson: Lesson, change: LessonChange) -> None:
    today = school_today(session)
    events.emit(session, events.lesson_change_events(session, lesson, change, today=today))


def substitute_teacher(
    session: Session, actor: Actor, *, lesson_id: int, staff_id: int, reason: str = ""
) -> LessonChange:
    """Another teacher gives the lesson; the change is announced now."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    substitute = session.get(Staff, staff_id)
    if substitute is None:
        raise NotFound("Учитель не найден.")
    if staff_id == lesson.staff_id:
        raise DomainError("Этот учитель и так ведёт урок.")
    # Whoever else is booking this teacher now waits, then sees this lesson in the check.
    lock_rows(session, Staff, [staff_id])
    busy = session.scalar(
        select(Lesson.id).where(
            Lesson.staff_id == staff_id,
            Lesson.lesson_date == lesson.lesson_date,
            Lesson.number == lesson.number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
    )
    if busy:
        name = substitute.full_name
        raise DomainError(
            f"{name} {agree_with(name, 'занят', 'занята')}: у {agree_with(name, 'него', 'неё')} "
            f"{lesson.number}-й урок {format_date(lesson.lesson_date)}."
        )
    change = _change(actor, lesson, LessonChangeKind.SUBSTITUTION, reason, None)
    change.old_staff_id, change.new_staff_id = lesson.staff_id, staff_id
    lesson.staff_id = staff_id
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change


def move_lesson(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    new_date: date,
    new_number: int,
    reason: str = "",
) -> LessonChange:
    """Move a lesson to another school day and/or lesson number."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    period = calendar.check_school_day(session, new_date)
    if period.is_closed:
        raise DomainError(f"Период «{period.name}» закрыт: переносить урок в него нельзя.")
    if not 0 <= new_number <= 10:
        raise DomainError("Номер урока — от 0 до 10.")
    if (new_date, new_number) == (lesson.lesson_date, lesson.number):
        raise DomainError("Урок уже стоит в это время.")
    # Other moves of this teacher's or this group's lessons wait until this one is decided.
    lock_rows(session, Staff, [lesson.staff_id])
    lock_rows(session, StudyGroup, [lesson.group_id])
    clash = session.scalar(
        select(Lesson.id).where(
            Lesson.id != lesson.id,
            Lesson.lesson_date == new_date,
            Lesson.number == new_number,
            Lesson.status == LessonStatus.SCHEDULED,
            or_(Lesson.group_id == lesson.group_id, Lesson.staff_id == lesson.staff_id),
        )
    )
    if clash:
        raise DomainError(
            f"{format_date(new_date)} {new_number}-й урок уже занят у группы или учителя."
        )
    change = _change(actor, lesson, LessonChangeKind.MOVE, reason, None)
    change.old_date, change.new_date = lesson.lesson_date, new_date
    change.old_number, change.new_number = lesson.number, new_number
    lesson.lesson_date, lesson.number = new_date, new_number
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change


def cancel_lesson(session: Session, actor: Actor, *, lesson_id: int, reason: str) -> LessonChange:
    """Cancel a lesson (with a reason for families); a lesson with grades cannot be cancelled."""
    require(actor, Action.MANAGE_CALENDAR)
    lesson = _lesson(session, lesson_id)
    _check_open(session, lesson)
    reason = required_reason(reason, missing="Укажите причину отмены урока: её увидят родители.")
    if session.scalar(select(Grade.id).where(Grade.lesson_id == lesson.id).limit(1)):
        raise DomainError("На уроке уже выставлены оценки: отменить его нельзя.")
    lesson.status = LessonStatus.CANCELLED
    change = _change(actor, lesson, LessonChangeKind.CANCELLATION, reason, None)
    session.add(change)
    session.flush()
    _announce(session, lesson, change)
    return change
