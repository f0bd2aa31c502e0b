"""The history of grade changes: written on every change, read by the journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import (
    Grade,
    GradeChange,
    GradeKind,
    Lesson,
)
from klassruk.models.school import Student
from klassruk.services import calendar
from klassruk.services.accounts.users import who_title
from klassruk.services.journal.cells import format_cell
from klassruk.services.scope.journals import require_journal_reader


def _history(
    session: Session, actor: Actor, grade: Grade, new: tuple[int, GradeKind] | None, reason: str
) -> None:
    session.add(
        GradeChange(
            grade_id=grade.id,
            lesson_id=grade.lesson_id,
            student_id=grade.student_id,
            old_value=grade.value,
            old_kind=grade.kind,
            new_value=new[0] if new else None,
            new_kind=new[1] if new else None,
            changed_by=actor.login,
            changed_by_user_id=actor.user_id,
            reason=reason,
        )
    )


@dataclass(frozen=True)
class HistoryRow:
    """One change of a grade."""

    student: str
    lesson_date: date
    old: str
    new: str
    changed_at: object
    changed_by: str  # the person's name
    reason: str


def grade_history(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> list[HistoryRow]:
    """Changes and deletions of grades in this journal for the period, newest first."""
    reach = require_journal_reader(session, actor, group_id=group_id, subject_id=subject_id)
    period = calendar.get_period(session, period_id)
    return [
        HistoryRow(
            f"{last} {first}",
            on,
            format_cell([(old_value, old_kind)], None),
            format_cell([(new_value, new_kind)], None) if new_value is not None else "удалена",
            at,
            who_title(login, name),
            reason,
        )
        for last, first, on, old_value, old_kind, new_value, new_kind, at, login, name, reason in (
            session.execute(
                select(
                    Student.last_name,
                    Student.first_name,
                    Lesson.lesson_date,
                    GradeChange.old_value,
                    GradeChange.old_kind,
                    GradeChange.new_value,
                    GradeChange.new_kind,
                    GradeChange.changed_at,
                    # The person by name (who_title): a login only where the account is gone.
                    GradeChange.changed_by,
                    UserAccount.display_name,
                    GradeChange.reason,
                )
                .join(Lesson, Lesson.id == GradeChange.lesson_id)
                .outerjoin(UserAccount, UserAccount.id == GradeChange.changed_by_user_id)
                .join(Student, Student.id == GradeChange.student_id)
                .where(
                    Lesson.group_id == group_id,
                    Lesson.subject_id == subject_id,
                    Lesson.lesson_date.between(period.starts_on, period.ends_on),
                    reach.rows(GradeChange.student_id, Lesson.lesson_date),
                )
                .order_by(GradeChange.changed_at.desc(), GradeChange.id.desc())
            )
        )
    ]
