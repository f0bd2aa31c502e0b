"""The analytical report's SQL reads: pupils, marks, grades, absences and teachers per class."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, String, case, cast, func, select
from sqlalchemy.orm import Session

from klassruk.models.journal import Absence, AbsenceMark, Grade, Lesson
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    Staff,
    TeachingAssignment,
)
from klassruk.services.reports.metrics import of_pupils, period_marks
from klassruk.services.scope.classes import active_on

EXCUSED = (AbsenceMark.ILL, AbsenceMark.EXCUSED)


def previous_period(session: Session, period: ReportingPeriod) -> ReportingPeriod | None:
    """The period of the same school year just before this one."""
    return session.scalar(
        select(ReportingPeriod)
        .where(
            ReportingPeriod.school_year_id == period.school_year_id,
            ReportingPeriod.starts_on < period.starts_on,
        )
        .order_by(ReportingPeriod.starts_on.desc())
        .limit(1)
    )


def pupils_of(class_ids: list[int], on: date) -> Select[Any]:
    """SQL: the ids of the classes' pupils on the day."""
    return select(Enrolment.student_id).where(
        Enrolment.class_id.in_(class_ids), active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )


def reference_day(period: ReportingPeriod, on: date) -> date:
    """The pupils of the report: those in the class at the period's end, or today if earlier."""
    return max(period.starts_on, min(period.ends_on, on))


def pupil_marks(
    session: Session, students: Select[Any], period: ReportingPeriod | None, *, many: bool
) -> dict[tuple[int, int], Any]:
    """Per (pupil, subject) the mark row of the period (none without a period)."""
    if period is None:
        return {}
    marks = period_marks(students, period, many=many)
    return {(row.student_id, row.subject_id): row for row in session.execute(select(marks))}


def class_teachers(
    session: Session, class_ids: list[int], on: date
) -> dict[tuple[int, int], list[str]]:
    """Per (class, subject) the teachers of the class's groups (whole class, subgroups, streams)."""
    rows = session.execute(
        select(Enrolment.class_id, TeachingAssignment.subject_id, Staff.last_name,
               Staff.first_name, Staff.middle_name)
        .join(GroupMembership, GroupMembership.student_id == Enrolment.student_id)
        .join(TeachingAssignment, TeachingAssignment.group_id == GroupMembership.group_id)
        .join(Staff, Staff.id == TeachingAssignment.staff_id)
        .where(
            Enrolment.class_id.in_(class_ids),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
        .distinct()
        .order_by(Staff.last_name, Staff.first_name)
    )
    found: dict[tuple[int, int], list[str]] = {}
    for class_id, subject_id, last, first, middle in rows:
        initials = "".join(f"{p[0]}." for p in (first, middle) if p)
        found.setdefault((class_id, subject_id), []).append(f"{last} {initials}".strip())
    return found


def grades_and_absences(
    session: Session, students: Select[Any], period: ReportingPeriod, *, many: bool
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], tuple[int, int]]]:
    """Per (pupil, subject): the grades as a string in date order; missed and excused lessons."""
    in_period = Lesson.lesson_date.between(period.starts_on, period.ends_on)
    ordered = (
        select(Grade.student_id, Lesson.subject_id, Grade.value)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(of_pupils(Grade.student_id, students, many=many), in_period)
        .order_by(Grade.student_id, Lesson.subject_id, Lesson.lesson_date, Grade.id)
        .subquery()
    )
    grades = {
        (student_id, subject_id): text.replace(",", " ")
        for student_id, subject_id, text in session.execute(
            select(
                ordered.c.student_id,
                ordered.c.subject_id,
                func.aggregate_strings(cast(ordered.c.value, String), ","),
            ).group_by(ordered.c.student_id, ordered.c.subject_id)
        )
    }
    absences = {
        (student_id, subject_id): (int(missed), int(excused or 0))
        for student_id, subject_id, missed, excused in session.execute(
            select(
                Absence.student_id,
                Lesson.subject_id,
                func.count(),
                func.sum(case((Absence.mark.in_(EXCUSED), 1), else_=0)),
            )
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(of_pupils(Absence.student_id, students, many=many),
                   Absence.mark != AbsenceMark.LATE, in_period)
            .group_by(Absence.student_id, Lesson.subject_id)
        )
    }
    return grades, absences


def overall_averages(cells: dict[tuple[int, int], Any]) -> dict[int, float]:
    """Per pupil the weighted average of every grade of the period, from the per-subject sums."""
    sums: dict[int, list[float]] = {}
    for (student_id, _), row in cells.items():
        if row.weights:
            total = sums.setdefault(student_id, [0.0, 0.0])
            total[0] += float(row.points)
            total[1] += float(row.weights)
    return {student_id: round(points / weights, 2)
            for student_id, (points, weights) in sums.items()}


