"""Saving the cells of the grid the user changed, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import Conflict, DomainError, PermissionDenied
from klassruk.models.journal import (
    Absence,
    Grade,
    Lesson,
    LessonStatus,
)
from klassruk.models.school import ReportingPeriod, Student
from klassruk.services import calendar
from klassruk.services.journal.cells import Cell, _normal, default_weight, format_cell, parse_cell
from klassruk.services.journal.common import (
    CONFLICT,
    FUTURE,
    REASON_NEEDED,
    _bullets,
    require_marks_allowed,
)
from klassruk.services.journal.grades import _new_grade
from klassruk.services.journal.history import _history
from klassruk.services.journal.members import Intervals, is_in_lesson, roster_intervals
from klassruk.services.locking import lock_rows
from klassruk.services.notifications import events
from klassruk.services.school_settings import school_today
from klassruk.services.scope.journals import (
    READ_ONLY,
    may_write_journal,
    require_journal_writer,
    substitute_lessons,
)
from klassruk.text.formatting import format_date
from klassruk.text.policy import optional_reason


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


@dataclass
class _Journal:
    """What a save compares the edits with: the locked lessons and the cells they hold now."""

    group_id: int
    subject_id: int
    period: ReportingPeriod
    today: date
    lessons: dict[int, Lesson]
    intervals: Intervals
    names: dict[int, str]
    grades: dict[tuple[int, int], list[Grade]]
    absences: dict[tuple[int, int], Absence]


def _read_journal(
    session: Session,
    edits: Mapping[tuple[int, int], CellEdit],
    *,
    group_id: int,
    subject_id: int,
    period: ReportingPeriod,
    today: date,
) -> _Journal:
    # Locked before the cells are compared: a concurrent save of these lessons waits here.
    lessons = {
        lesson.id: lesson
        for lesson in lock_rows(session, Lesson, {lesson_id for _, lesson_id in edits})
    }
    names = dict(
        session.execute(
            select(Student.id, Student.last_name + " " + Student.first_name).where(
                Student.id.in_({student_id for student_id, _ in edits})
            )
        ).all()
    )
    grades: dict[tuple[int, int], list[Grade]] = {}
    for grade in session.scalars(
        select(Grade).where(Grade.lesson_id.in_(list(lessons))).order_by(Grade.id)
    ):
        grades.setdefault((grade.student_id, grade.lesson_id), []).append(grade)
    absences = {
        (a.student_id, a.lesson_id): a
        for a in session.scalars(select(Absence).where(Absence.lesson_id.in_(list(lessons))))
    }
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    return _Journal(
        group_id, subject_id, period, today, lessons, intervals, names, grades, absences
    )


def _shown_now(journal: _Journal, key: tuple[int, int]) -> str:
    absence = journal.absences.get(key)
    old = [(g.value, g.kind) for g in journal.grades.get(key, [])]
    return format_cell(old, absence.mark if absence else None)


def _cell_problem(journal: _Journal, key: tuple[int, int], cell: Cell) -> str | None:
    """Why the marks of `cell` cannot be put into the journal's lesson, or None."""
    student_id, lesson_id = key
    lesson = journal.lessons[lesson_id]
    if not (cell.grades or cell.absence):
        return None
    if lesson.lesson_date > journal.today:
        return FUTURE.format(today=format_date(journal.today))
    if not is_in_lesson(journal.intervals, student_id, lesson.lesson_date):
        return "обучающийся не занимается в группе в этот день."
    if lesson.status == LessonStatus.CANCELLED:
        return "урок отменён."
    return None


@dataclass
class _Plan:
    """The checked edits: cells to write, and what stops the save."""

    cells: list[tuple[tuple[int, int], Cell]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    conflicted: set[tuple[int, int]] = field(default_factory=set)
    needs_reason: bool = False

    def refuse_if_wrong(self, reason: str) -> None:
        if self.conflicts:
            raise Conflict(CONFLICT + _bullets(self.conflicts), frozenset(self.conflicted))
        if self.errors:
            raise DomainError(
                "Ничего не сохранено. Исправьте клетки журнала:\n" + _bullets(self.errors)
            )
        if self.needs_reason and not reason:
            raise DomainError(REASON_NEEDED + " Ничего не сохранено.")


def _plan_edit(plan: _Plan, journal: _Journal, key: tuple[int, int], edit: CellEdit) -> None:
    student_id, lesson_id = key
    lesson = journal.lessons.get(lesson_id)
    where = f"{journal.names.get(student_id, 'обучающийся')}"
    if lesson is None or (lesson.group_id, lesson.subject_id) != (
        journal.group_id,
        journal.subject_id,
    ):
        plan.errors.append(f"{where}: урок не относится к этому журналу.")
        return
    where += f", {format_date(lesson.lesson_date)}"
    period = journal.period
    if not period.starts_on <= lesson.lesson_date <= period.ends_on:
        plan.errors.append(f"{where}: урок вне периода «{period.name}».")
        return
    try:
        cell = parse_cell(edit.new)
    except DomainError as error:
        plan.errors.append(f"{where}: {error}")
        return
    now_text = _shown_now(journal, key)
    if format_cell(cell.grades, cell.absence) in (now_text, _normal(edit.expected)):
        return  # nothing to do, or the user did not change this cell after all
    if now_text != _normal(edit.expected):
        plan.conflicts.append(f"{where}: сейчас {f'«{now_text}»' if now_text else 'пусто'}")
        plan.conflicted.add(key)
        return
    problem = _cell_problem(journal, key, cell)
    if problem:
        plan.errors.append(f"{where}: {problem}")
        return
    old = [(g.value, g.kind) for g in journal.grades.get(key, [])]
    if len(cell.grades) < len(old) or any(o != n for o, n in zip(old, cell.grades, strict=False)):
        plan.needs_reason = True
    plan.cells.append((key, cell))


def _write_grades(
    session: Session,
    actor: Actor,
    journal: _Journal,
    key: tuple[int, int],
    cell: Cell,
    reason: str,
) -> tuple[int, int, int]:
    """Write the cell's grades over the old ones; (added, changed, deleted)."""
    student_id, lesson_id = key
    old_grades = journal.grades.get(key, [])
    added = changed = deleted = 0
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
    return added, changed, deleted


def _write_absence(session: Session, journal: _Journal, key: tuple[int, int], cell: Cell) -> bool:
    """Write the cell's absence mark; True if it changed."""
    old = journal.absences.get(key)
    if (old.mark if old else None) == cell.absence:
        return False
    if cell.absence is None:
        assert old is not None
        session.delete(old)
    elif old is None:
        student_id, lesson_id = key
        session.add(Absence(lesson_id=lesson_id, student_id=student_id, mark=cell.absence))
    else:
        old.mark = cell.absence
    return True


def _cell_events(
    journal: _Journal, key: tuple[int, int], cell: Cell, reason: str
) -> list[events.Event]:
    """What families hear of a cell about to be written (read before the write changes it)."""
    student_id, lesson_id = key
    lesson = journal.lessons[lesson_id]
    old = [(g.value, g.kind) for g in journal.grades.get(key, [])]
    absence = journal.absences.get(key)
    return events.grade_events(lesson, student_id, old, cell.grades, reason) + (
        events.absence_events(lesson, student_id, absence.mark if absence else None, cell.absence)
    )


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
    reason = optional_reason(reason) or ""
    keeps = may_write_journal(session, actor, group_id=group_id, subject_id=subject_id)
    if keeps:
        require_journal_writer(
            session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=reason
        )
    elif not substitute_lessons(session, actor, group_id=group_id, subject_id=subject_id):
        raise PermissionDenied(READ_ONLY)
    journal = _read_journal(
        session,
        edits,
        group_id=group_id,
        subject_id=subject_id,
        period=period,
        today=today or school_today(session),
    )
    plan = _Plan()
    for key, edit in sorted(edits.items()):
        _plan_edit(plan, journal, key, edit)
    plan.refuse_if_wrong(reason)
    if any(cell.grades for _, cell in plan.cells):
        require_marks_allowed(session, group_id)
    if not keeps and plan.cells:
        # A substitute: every changed cell must belong to a lesson they taught.
        require_journal_writer(
            session,
            actor,
            group_id=group_id,
            subject_id=subject_id,
            period=period,
            reason=reason,
            lesson_ids={lesson_id for (_, lesson_id), _ in plan.cells},
        )
    summary = [0, 0, 0, 0]
    news: list[events.Event] = []
    for key, cell in plan.cells:
        news += _cell_events(journal, key, cell, reason)
        for index, count in enumerate(_write_grades(session, actor, journal, key, cell, reason)):
            summary[index] += count
        summary[3] += _write_absence(session, journal, key, cell)
    session.flush()
    events.emit(session, news)
    return SaveSummary(*summary)
