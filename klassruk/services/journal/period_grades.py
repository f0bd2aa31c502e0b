"""Period grades (четвертные, триместровые) with their change history."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import Conflict, DomainError
from klassruk.models.journal import (
    PeriodGrade,
    PeriodGradeChange,
)
from klassruk.models.school import ReportingPeriod, Student, StudyGroup
from klassruk.services import calendar
from klassruk.services.journal.common import CONFLICT, _bullets, require_marks_allowed
from klassruk.services.journal.grades import _check_value
from klassruk.services.journal.members import roster_intervals
from klassruk.services.locking import lock_rows
from klassruk.services.notifications import events
from klassruk.services.scope.journals import require_journal_writer
from klassruk.text.policy import optional_reason


def parse_period_grades(
    typed: Mapping[int, str], *, names: Mapping[int, str]
) -> dict[int, int | None]:
    """Period grades as typed per student («» clears one); anything but 1–5 is refused by name."""
    values: dict[int, int | None] = {}
    for student_id, raw in typed.items():
        text = raw.strip()
        if text and not (text.isdigit() and 1 <= int(text) <= 5):
            raise DomainError(
                f"{names[student_id]}: «{text}» — не оценка: допустимы целые "
                "от 1 до 5. Ничего не сохранено."
            )
        values[student_id] = int(text) if text else None
    return values


def _refuse_conflicts(
    session: Session,
    period: ReportingPeriod,
    existing: Mapping[int, PeriodGrade],
    values: Mapping[int, int | None],
    expected: Mapping[int, int | None],
) -> None:
    """Refuse the save if a grade the user changed is no longer what the page showed."""
    conflicts: list[str] = []
    conflicted: set[int] = set()
    for student_id, value in values.items():
        old = existing.get(student_id)
        now = old.value if old is not None else None
        if now != expected.get(student_id) and value != now:
            name = session.get(Student, student_id)
            conflicts.append(
                f"{name.full_name if name else 'обучающийся'}, «{period.name}»: "
                f"сейчас {now if now is not None else 'пусто'}"
            )
            conflicted.add(student_id)
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))


def _write_period_grade(
    session: Session,
    actor: Actor,
    old: PeriodGrade | None,
    new: PeriodGrade,
    reason: str,
) -> bool:
    """Put `new`'s value in place of `old` (with history when it replaces one); True if changed."""
    if old is None:
        if new.value is None:
            return False
        session.add(new)
        return True
    if old.value == new.value:
        return False
    session.add(
        PeriodGradeChange(
            period_id=old.period_id,
            subject_id=old.subject_id,
            student_id=old.student_id,
            old_value=old.value,
            new_value=new.value,
            changed_by=actor.login,
            changed_by_user_id=actor.user_id,
            reason=reason,
        )
    )
    if new.value is None:
        session.delete(old)
    else:
        old.value, old.set_by = new.value, actor.login
    return True


def set_period_grades(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    values: Mapping[int, int | None],
    expected: Mapping[int, int | None],
    reason: str = "",
) -> int:
    """Set the period grades of the group's students; changing one needs a reason.

    `expected` is what the page showed for each student: a grade changed since is a Conflict.
    """
    period = calendar.get_period(session, period_id)
    require_journal_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=reason
    )
    if any(value is not None for value in values.values()):
        require_marks_allowed(session, group_id)
    # Period-grade saves of one group wait for each other before comparing.
    lock_rows(session, StudyGroup, [group_id])
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    for student_id, value in values.items():
        if value is not None:
            _check_value(value)
        if student_id not in intervals:
            raise DomainError("Итоговую оценку ставят только обучающимся группы.")
    existing = {
        p.student_id: p
        for p in session.scalars(
            select(PeriodGrade).where(
                PeriodGrade.period_id == period_id,
                PeriodGrade.subject_id == subject_id,
                PeriodGrade.student_id.in_(list(values)),
            )
        )
    }
    _refuse_conflicts(session, period, existing, values, expected)
    reason = optional_reason(reason) or ""
    if not reason and any(
        student_id in existing and existing[student_id].value != value
        for student_id, value in values.items()
    ):
        raise DomainError("Укажите причину изменения итоговой оценки. Ничего не сохранено.")
    news = []
    for student_id, value in values.items():
        new = PeriodGrade(
            period_id=period_id, student_id=student_id, subject_id=subject_id,
            group_id=group_id, value=value, set_by=actor.login,
        )
        old = existing.get(student_id)
        old_value = old.value if old is not None else None
        if _write_period_grade(session, actor, old, new, reason):
            news.append(events.period_grade_event(
                period_id=period_id, subject_id=subject_id, student_id=student_id,
                value=value, old=old_value,
            ))
    session.flush()
    events.emit(session, news)
    return len(news)
