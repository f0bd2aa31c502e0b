"""The journal grid of a group in a subject for a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonStatus,
    PeriodGrade,
    PlannedTest,
)
from klassruk.models.school import ReportingPeriod, Staff, Student, Subject
from klassruk.services import calendar
from klassruk.services.journal.access import _group
from klassruk.services.journal.cells import format_cell
from klassruk.services.journal.members import is_in_lesson, roster_intervals
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.journals import FULL_REACH, JournalReach, require_journal_reader


@dataclass(frozen=True)
class LessonColumn:
    """A lesson as a column of the grid."""

    lesson_id: int
    lesson_date: date
    number: int
    status: LessonStatus
    topic: str
    homework: str
    teacher: str
    has_test: bool
    staff_id: int

    @property
    def label(self) -> str:
        return self.lesson_date.strftime("%d.%m")


@dataclass(frozen=True)
class StudentRow:
    """A student as a row of the grid, with the period results."""

    student_id: int
    name: str
    average: float | None
    weighted_average: float | None
    grades: int
    absences: int
    period_grade: int | None


@dataclass(frozen=True)
class JournalGrid:
    """The journal of one group in one subject for one period."""

    group_id: int
    subject_id: int
    group: str
    subject: str
    period_id: int
    period: str
    is_closed: bool
    students: list[StudentRow]
    lessons: list[LessonColumn]
    cells: dict[tuple[int, int], str]
    # (student, lesson) pairs where the student is not in the lesson (left / joined later).
    outside: set[tuple[int, int]]

    def column_labels(self) -> dict[int, str]:
        """Unique column labels: «05.09», or «05.09 (3)» when a day has two lessons."""
        counts: dict[date, int] = {}
        for lesson in self.lessons:
            counts[lesson.lesson_date] = counts.get(lesson.lesson_date, 0) + 1
        return {
            lesson.lesson_id: lesson.label
            + (f" ({lesson.number})" if counts[lesson.lesson_date] > 1 else "")
            for lesson in self.lessons
        }


def _lessons_in(
    group_id: int, subject_id: int, period: ReportingPeriod
) -> ScalarSelect[int]:
    return (
        select(Lesson.id)
        .where(
            Lesson.group_id == group_id,
            Lesson.subject_id == subject_id,
            Lesson.lesson_date.between(period.starts_on, period.ends_on),
        )
        .scalar_subquery()
    )


def _lesson_columns(
    session: Session, group_id: int, subject_id: int, period: ReportingPeriod
) -> list[LessonColumn]:
    """The period's lessons of the journal in order, each marked when a test is planned."""
    tests = set(
        session.scalars(
            select(PlannedTest.planned_on).where(
                PlannedTest.group_id == group_id,
                PlannedTest.subject_id == subject_id,
                PlannedTest.planned_on.between(period.starts_on, period.ends_on),
                PlannedTest.cancelled_at.is_(None),
            )
        )
    )
    return [
        LessonColumn(
            lesson.id,
            lesson.lesson_date,
            lesson.number,
            lesson.status,
            lesson.topic or "",
            lesson.homework or "",
            staff.short_name,
            lesson.lesson_date in tests,
            lesson.staff_id,
        )
        for lesson, staff in session.execute(
            select(Lesson, Staff)
            .join(Staff, Staff.id == Lesson.staff_id)
            .where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.lesson_date.between(period.starts_on, period.ends_on),
            )
            .order_by(Lesson.lesson_date, Lesson.number)
        )
    ]


_Marks = tuple[
    dict[tuple[int, int], list[tuple[int, GradeKind]]], dict[tuple[int, int], AbsenceMark]
]


def _marks(session: Session, lesson_ids: ScalarSelect[int], reach: JournalReach) -> _Marks:
    """Grades (in the order given) and absences per (student, lesson) that the reader sees."""
    grades: dict[tuple[int, int], list[tuple[int, GradeKind]]] = {}
    for student_id, lesson_id, value, kind in session.execute(
        select(Grade.student_id, Grade.lesson_id, Grade.value, Grade.kind)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Grade.lesson_id.in_(lesson_ids), reach.rows(Grade.student_id, Lesson.lesson_date))
        .order_by(Grade.id)
    ):
        grades.setdefault((student_id, lesson_id), []).append((value, kind))
    absences = {
        (student_id, lesson_id): mark
        for student_id, lesson_id, mark in session.execute(
            select(Absence.student_id, Absence.lesson_id, Absence.mark)
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(
                Absence.lesson_id.in_(lesson_ids),
                reach.rows(Absence.student_id, Lesson.lesson_date),
            )
        )
    }
    return grades, absences


def _student_rows(
    session: Session,
    ids: set[int],
    lesson_ids: ScalarSelect[int],
    absences: dict[tuple[int, int], AbsenceMark],
    period_grades: dict[int, int],
    reach: JournalReach,
) -> list[StudentRow]:
    """The students in name order with their averages (computed in SQL) and absence counts."""
    stats = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                Grade.student_id,
                func.avg(Grade.value),
                func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight),
                func.count(Grade.id),
            )
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .where(
                Grade.lesson_id.in_(lesson_ids), reach.rows(Grade.student_id, Lesson.lesson_date)
            )
            .group_by(Grade.student_id)
        )
    }
    absence_counts: dict[int, int] = {}
    for (student_id, _), mark in absences.items():
        if mark != AbsenceMark.LATE:
            absence_counts[student_id] = absence_counts.get(student_id, 0) + 1
    return [
        StudentRow(
            student.id,
            student.full_name,
            _round(stats.get(student.id, (None,))[0]),
            _round(stats.get(student.id, (None, None))[1]),
            int(stats.get(student.id, (None, None, 0))[2]),
            absence_counts.get(student.id, 0),
            period_grades.get(student.id),
        )
        for student in session.scalars(
            select(Student)
            .where(Student.id.in_(ids))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    ]


def build_grid(
    session: Session,
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    reach: JournalReach = FULL_REACH,
) -> JournalGrid:
    """Assemble the grid of what `reach` sees (no permission check: callers check it first)."""
    group = _group(session, group_id)
    subject = get_or_404(session, Subject, subject_id, "Предмет не найден.")
    period = calendar.get_period(session, period_id)
    intervals = roster_intervals(session, group_id, subject_id, period.starts_on, period.ends_on)
    lessons = _lesson_columns(session, group_id, subject_id, period)
    lesson_ids = _lessons_in(group_id, subject_id, period)
    grades, absences = _marks(session, lesson_ids, reach)
    # Students with marks stay visible even if they have left the group since.
    # A member shows while the reader sees them in the group; a pupil with marks the reader
    # sees (`_marks` kept only those) shows even if they have left the group since.
    ids = {
        student_id for student_id, (member, _) in intervals.items()
        if reach.sees_during(student_id, member.spans, period.starts_on, period.ends_on)
    } | {s for s, _ in grades} | {s for s, _ in absences}
    graded = reach.period_grades_of(ids, period)
    period_grades = {
        student_id: value
        for student_id, value in session.execute(
            select(PeriodGrade.student_id, PeriodGrade.value).where(
                PeriodGrade.period_id == period_id, PeriodGrade.subject_id == subject_id
            )
        )
        if student_id in graded
    }
    students = _student_rows(session, ids, lesson_ids, absences, period_grades, reach)
    pairs = [(s.student_id, lesson) for s in students for lesson in lessons]
    return JournalGrid(
        group_id=group_id,
        subject_id=subject_id,
        group=group.name,
        subject=subject.name,
        period_id=period.id,
        period=period.name,
        is_closed=period.is_closed,
        students=students,
        lessons=lessons,
        cells={
            (student_id, lesson.lesson_id): format_cell(
                grades.get((student_id, lesson.lesson_id), ()),
                absences.get((student_id, lesson.lesson_id)),
            )
            for student_id, lesson in pairs
        },
        outside={
            (student_id, lesson.lesson_id)
            for student_id, lesson in pairs
            if not is_in_lesson(intervals, student_id, lesson.lesson_date)
            or not reach.sees(student_id, lesson.lesson_date)
        },
    )


def _round(value: object) -> float | None:
    return None if value is None else round(float(value), 2)  # type: ignore[arg-type]


def read_journal(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> JournalGrid:
    """The journal grid of a group in a subject for a period (teacher, class teacher, deputy)."""
    reach = require_journal_reader(session, actor, group_id=group_id, subject_id=subject_id)
    return build_grid(
        session, group_id=group_id, subject_id=subject_id, period_id=period_id, reach=reach
    )
