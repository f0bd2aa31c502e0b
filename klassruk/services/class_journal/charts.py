"""The data behind the class journal's charts: subjects, distribution, weeks, attendance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.journal import Absence, AbsenceMark, Grade, Lesson
from klassruk.models.school import Subject
from klassruk.services.class_journal.common import (
    WeekPoint,
    daily_grades,
    fold_weeks,
    grade_distribution,
    in_period,
    open_class_journal,
    rounded,
    week_of,
    weighted_mean,
)
from klassruk.services.roster.people import enrolled_query
from klassruk.services.scope.journals import class_reach


@dataclass(frozen=True)
class SubjectAverage:
    """The class's average in a subject."""

    subject: str
    average: float | None
    weighted_average: float | None
    grades: int


@dataclass(frozen=True)
class AttendancePoint:
    """Absence marks of one kind in a week."""

    week_start: date
    mark: AbsenceMark
    count: int


@dataclass(frozen=True)
class ClassCharts:
    """The data behind the class journal's charts."""

    subject_averages: list[SubjectAverage]
    distribution: dict[int, int]
    weekly: list[WeekPoint]
    attendance: list[AttendancePoint]


def class_charts(session: Session, actor: Actor, *, class_id: int, period_id: int) -> ClassCharts:
    """Averages by subject, distribution of grades, weekly trend, attendance by week."""
    _, period = open_class_journal(session, actor, class_id, period_id)
    ids = list(session.scalars(enrolled_query(class_id, period.starts_on, period.ends_on)))
    # A pupil who joined or left the class in the period counts only on their days in it.
    reach = class_reach(session, class_id)
    in_class = and_(Grade.student_id.in_(ids), reach.rows(Grade.student_id, Lesson.lesson_date))
    averages = [
        SubjectAverage(name, rounded(avg), rounded(wavg), int(count))
        for name, avg, wavg, count in session.execute(
            select(Subject.name, func.avg(Grade.value), weighted_mean(), func.count(Grade.id))
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(in_class, in_period(period))
            .group_by(Subject.name)
            .order_by(Subject.name)
        )
    ]
    distribution = grade_distribution(session, in_class, period)
    weekly = fold_weeks(session.execute(daily_grades(in_class, period)))
    attendance: dict[tuple[date, AbsenceMark], int] = {}
    for day, mark, count in session.execute(
        select(Lesson.lesson_date, Absence.mark, func.count(Absence.id))
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(
            Absence.student_id.in_(ids),
            in_period(period),
            reach.rows(Absence.student_id, Lesson.lesson_date),
        )
        .group_by(Lesson.lesson_date, Absence.mark)
    ):
        key = (week_of(day), mark)
        attendance[key] = attendance.get(key, 0) + int(count)
    return ClassCharts(
        subject_averages=averages,
        distribution=distribution,
        weekly=weekly,
        attendance=[
            AttendancePoint(week, mark, count)
            for (week, mark), count in sorted(
                attendance.items(), key=lambda kv: (kv[0][0], kv[0][1].value)
            )
        ],
    )
