"""One grade or absence at a time: add, change, delete, mark."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import DomainError
from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonStatus,
)
from klassruk.services.journal.access import _period_of_lesson
from klassruk.services.journal.cells import default_weight
from klassruk.services.journal.common import FUTURE, require_marks_allowed
from klassruk.services.journal.history import _history
from klassruk.services.journal.members import _check_member
from klassruk.services.locking import lock_or_404
from klassruk.services.lookup import get_or_404
from klassruk.services.notifications import events
from klassruk.services.school_settings import school_today
from klassruk.services.scope.journals import require_journal_writer
from klassruk.text.formatting import format_date
from klassruk.text.policy import required_reason


def _new_grade(actor: Actor, lesson_id: int, student_id: int, value: int, kind: GradeKind) -> Grade:
    return Grade(
        lesson_id=lesson_id,
        student_id=student_id,
        value=value,
        kind=kind,
        weight=default_weight(kind),
        created_by=actor.login,
    )


def _check_value(value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
        raise DomainError(f"«{value}» — не оценка: допустимы целые оценки от 1 до 5.")


def _writable_lesson(session: Session, actor: Actor, lesson_id: int, reason: str | None) -> Lesson:
    # Locked: what the caller reads about the lesson's grades next is what it writes over.
    lesson = lock_or_404(session, Lesson, lesson_id, "Урок не найден.")
    period = _period_of_lesson(session, lesson)
    require_journal_writer(
        session,
        actor,
        group_id=lesson.group_id,
        subject_id=lesson.subject_id,
        period=period,
        reason=reason,
        lesson_ids=[lesson.id],
    )
    return lesson


def add_grade(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    student_id: int,
    value: int,
    kind: GradeKind = GradeKind.CLASSWORK,
    weight: float | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> Grade:
    """Give a student a grade in a lesson (a lesson may carry several)."""
    lesson = _writable_lesson(session, actor, lesson_id, reason)
    _check_value(value)
    require_marks_allowed(session, lesson.group_id)
    if weight is not None and weight <= 0:
        raise DomainError("Вес оценки должен быть больше нуля.")
    if lesson.status == LessonStatus.CANCELLED:
        raise DomainError("Урок отменён: оценку поставить нельзя.")
    _check_not_future(session, lesson, today)
    _check_member(session, lesson, student_id)
    grade = _new_grade(actor, lesson.id, student_id, value, kind)
    if weight is not None:
        grade.weight = weight
    session.add(grade)
    session.flush()
    events.emit(session, events.grade_events(lesson, student_id, [], [(value, kind)], ""))
    return grade


def _check_not_future(session: Session, lesson: Lesson, today: date | None) -> None:
    today = today or school_today(session)
    if lesson.lesson_date > today:
        raise DomainError(
            f"Урок {format_date(lesson.lesson_date)}: {FUTURE.format(today=format_date(today))}"
        )


def _locked_grade(session: Session, actor: Actor, grade_id: int, reason: str) -> Grade:
    """The grade as it is once its lesson is locked (another save may have just changed it)."""
    grade = get_or_404(session, Grade, grade_id, "Оценка не найдена.")
    _writable_lesson(session, actor, grade.lesson_id, reason)
    return lock_or_404(
        session, Grade, grade_id, "Оценка не найдена: её только что удалили в другом сеансе."
    )


def _grade_news(
    session: Session, grade: Grade, new: list[tuple[int, GradeKind]], reason: str
) -> list[events.Event]:
    lesson = session.get(Lesson, grade.lesson_id)
    assert lesson is not None
    return events.grade_events(lesson, grade.student_id, [(grade.value, grade.kind)], new, reason)


def change_grade(
    session: Session,
    actor: Actor,
    *,
    grade_id: int,
    value: int,
    reason: str,
    kind: GradeKind | None = None,
) -> Grade:
    """Change a grade; the old value, the new one, who, when and why go to the history."""
    grade = _locked_grade(session, actor, grade_id, reason)
    _check_value(value)
    reason = required_reason(reason, missing="Укажите причину изменения оценки.")
    new_kind = kind or grade.kind
    if (grade.value, grade.kind) == (value, new_kind):
        return grade
    _history(session, actor, grade, (value, new_kind), reason)
    news = _grade_news(session, grade, [(value, new_kind)], reason)
    if new_kind != grade.kind:
        grade.weight = default_weight(new_kind)
    grade.value, grade.kind = value, new_kind
    session.flush()
    events.emit(session, news)
    return grade


def delete_grade(session: Session, actor: Actor, *, grade_id: int, reason: str) -> None:
    """Delete a grade given by mistake; the history keeps it with the reason."""
    grade = _locked_grade(session, actor, grade_id, reason)
    reason = required_reason(reason, missing="Укажите причину удаления оценки.")
    _history(session, actor, grade, None, reason)
    news = _grade_news(session, grade, [], reason)
    session.delete(grade)
    session.flush()
    events.emit(session, news)


def set_absence(
    session: Session,
    actor: Actor,
    *,
    lesson_id: int,
    student_id: int,
    mark: AbsenceMark | None,
    today: date | None = None,
) -> None:
    """Mark (or clear) a student's absence in a lesson (not on a lesson after today)."""
    lesson = _writable_lesson(session, actor, lesson_id, None)
    existing = session.scalar(
        select(Absence).where(Absence.lesson_id == lesson_id, Absence.student_id == student_id)
    )
    news = events.absence_events(lesson, student_id, existing.mark if existing else None, mark)
    if mark is None:
        if existing is not None:
            session.delete(existing)
    elif existing is not None:
        _check_not_future(session, lesson, today)
        existing.mark = mark
    else:
        _check_not_future(session, lesson, today)
        _check_member(session, lesson, student_id)
        session.add(Absence(lesson_id=lesson_id, student_id=student_id, mark=mark))
    session.flush()
    events.emit(session, news)


# ---------------------------------------------------------------- lessons: topic, homework
