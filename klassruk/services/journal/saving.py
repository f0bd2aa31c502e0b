"""Saving the cells of the grid the user changed, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.errors import Conflict, DomainError, PermissionDenied
from klassruk.formatting import format_date
from klassruk.models import (
    Student,
)
from klassruk.models.journal import (
    Absence,
    Grade,
    Lesson,
    LessonStatus,
)
from klassruk.permissions import Actor
from klassruk.services import calendar
from klassruk.services.journal.cells import Cell, _normal, default_weight, format_cell, parse_cell
from klassruk.services.journal.common import CONFLICT, FUTURE, REASON_NEEDED, _bullets, school_today
from klassruk.services.journal.grades import _new_grade
from klassruk.services.journal.history import _history
from klassruk.services.journal.members import is_in_lesson, roster_intervals
from klassruk.services.locking import lock_rows
from klassruk.services.scope import (
    READ_ONLY,
    may_write_journal,
    require_journal_writer,
    substitute_lessons,
)


@dataclass(frozen=True)
class SaveSummary:
    """What a grid save changed."""

    added: int = 0
    changed: int = 0
    deleted: int = 0
    absences: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.deleted + self.absences


@dataclass(frozen=True)
class CellEdit:
    """A cell the user changed: what it showed when the grid was read, and what was typed."""

    expected: str | None
    new: str | None


def save_grid(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    edits: Mapping[tuple[int, int], CellEdit],
    reason: str = "",
    today: date | None = None,
) -> SaveSummary:
    """Save the cells (student, lesson) the user changed; all or nothing.

    Each edit carries the value the cell showed when read: if the journal now holds something
    else, the whole save is refused with a Conflict naming the cells and their current values.
    Changing or deleting a grade that was there needs a reason and is written to the history.
    """
    period = calendar.get_period(session, period_id)
    reason = (reason or "").strip()
    keeps = may_write_journal(session, actor, group_id=group_id, subject_id=subject_id)
    if keeps:
        require_journal_writer(
            session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=reason
        )
    elif not substitute_lessons(session, actor, group_id=group_id, subject_id=subject_id):
        raise PermissionDenied(READ_ONLY)
    # Locked before the cells are compared: a concurrent save of these lessons waits here.
    lessons = {
        lesson.id: lesson
        for lesson in lock_rows(session, Lesson, {lesson_id for _, lesson_id in edits})
    }
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    names = dict(
        session.execute(
            select(Student.id, Student.last_name + " " + Student.first_name).where(
                Student.id.in_({student_id for student_id, _ in edits})
            )
        ).all()
    )
    existing_grades: dict[tuple[int, int], list[Grade]] = {}
    for grade in session.scalars(
        select(Grade).where(Grade.lesson_id.in_(list(lessons))).order_by(Grade.id)
    ):
        existing_grades.setdefault((grade.student_id, grade.lesson_id), []).append(grade)
    existing_absences = {
        (a.student_id, a.lesson_id): a
        for a in session.scalars(select(Absence).where(Absence.lesson_id.in_(list(lessons))))
    }
    today = today or school_today(session)

    errors: list[str] = []
    conflicts: list[str] = []
    conflicted: set[tuple[int, int]] = set()
    plan: list[tuple[tuple[int, int], Cell]] = []
    needs_reason = False
    for key, edit in sorted(edits.items()):
        student_id, lesson_id = key
        lesson = lessons.get(lesson_id)
        where = f"{names.get(student_id, 'обучающийся')}"
        if lesson is None or lesson.group_id != group_id or lesson.subject_id != subject_id:
            errors.append(f"{where}: урок не относится к этому журналу.")
            continue
        where += f", {format_date(lesson.lesson_date)}"
        if not period.starts_on <= lesson.lesson_date <= period.ends_on:
            errors.append(f"{where}: урок вне периода «{period.name}».")
            continue
        try:
            cell = parse_cell(edit.new)
        except DomainError as error:
            errors.append(f"{where}: {error}")
            continue
        old_grades = existing_grades.get(key, [])
        old_absence = existing_absences.get(key)
        old = [(g.value, g.kind) for g in old_grades]
        now_text = format_cell(old, old_absence.mark if old_absence else None)
        new_text = format_cell(cell.grades, cell.absence)
        if new_text in (now_text, _normal(edit.expected)):
            continue  # nothing to do, or the user did not change this cell after all
        if now_text != _normal(edit.expected):
            conflicts.append(f"{where}: сейчас {f'«{now_text}»' if now_text else 'пусто'}")
            conflicted.add(key)
            continue
        if cell.grades or cell.absence:
            if lesson.lesson_date > today:
                errors.append(f"{where}: {FUTURE.format(today=format_date(today))}")
                continue
            if not is_in_lesson(intervals, student_id, lesson.lesson_date):
                errors.append(f"{where}: обучающийся не занимается в группе в этот день.")
                continue
            if lesson.status == LessonStatus.CANCELLED:
                errors.append(f"{where}: урок отменён.")
                continue
        if len(cell.grades) < len(old) or any(
            o != n for o, n in zip(old, cell.grades, strict=False)
        ):
            needs_reason = True
        plan.append((key, cell))
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))
    if errors:
        raise DomainError("Ничего не сохранено. Исправьте клетки журнала:\n" + _bullets(errors))
    if needs_reason and not reason:
        raise DomainError(REASON_NEEDED + " Ничего не сохранено.")
    if not keeps and plan:
        # A substitute: every changed cell must belong to a lesson they taught.
        require_journal_writer(
            session, actor, group_id=group_id, subject_id=subject_id, period=period,
            reason=reason, lesson_ids={lesson_id for (_, lesson_id), _ in plan},
        )

    added = changed = deleted = absences = 0
    for key, cell in plan:
        student_id, lesson_id = key
        old_grades = existing_grades.get(key, [])
        for index in range(max(len(old_grades), len(cell.grades))):
            new = cell.grades[index] if index < len(cell.grades) else None
            if index >= len(old_grades):
                assert new is not None
                session.add(_new_grade(actor, lesson_id, student_id, *new))
                added += 1
                continue
            grade = old_grades[index]
            if new is None:
                _history(session, actor, grade, None, reason)
                session.delete(grade)
                deleted += 1
            elif (grade.value, grade.kind) != new:
                _history(session, actor, grade, new, reason)
                if grade.kind != new[1]:
                    grade.weight = default_weight(new[1])
                grade.value, grade.kind = new
                changed += 1
        old_absence = existing_absences.get(key)
        if (old_absence.mark if old_absence else None) != cell.absence:
            absences += 1
            if cell.absence is None:
                assert old_absence is not None
                session.delete(old_absence)
            elif old_absence is None:
                session.add(Absence(lesson_id=lesson_id, student_id=student_id, mark=cell.absence))
            else:
                old_absence.mark = cell.absence
    session.flush()
    return SaveSummary(added, changed, deleted, absences)
