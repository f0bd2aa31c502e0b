"""What the class journal's reads share: opening a class and period, SQL averages, weeks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.journal import Grade, Lesson
from klassruk.models.school import ReportingPeriod, SchoolClass
from klassruk.services import calendar
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import require_class_scope


def rounded(value: object) -> float | None:
    """A figure as shown: two decimals, None for no grades."""
    return None if value is None else round(float(value), 2)  # type: ignore[arg-type]


def weighted_mean() -> ColumnElement[Any]:
    """SQL aggregate: the weighted average of the grades in the group."""
    return func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight)


def _class(session: Session, class_id: int) -> SchoolClass:
    return get_or_404(session, SchoolClass, class_id, "Класс не найден.")


def in_period(period: ReportingPeriod) -> ColumnElement[bool]:
    """SQL condition: the lesson falls in the period."""
    return Lesson.lesson_date.between(period.starts_on, period.ends_on)


def open_class_journal(
    session: Session, actor: Actor, class_id: int, period_id: int
) -> tuple[SchoolClass, ReportingPeriod]:
    """The class and the period, once the actor may read the class's journal."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
    return _class(session, class_id), calendar.get_period(session, period_id)


@dataclass(frozen=True)
class WeekPoint:
    """A week's weighted average and number of grades."""

    week_start: date
    weighted_average: float | None
    grades: int


def week_of(day: date) -> date:
    """The Monday of the day's week."""
    return day - timedelta(days=day.weekday())


def fold_weeks(rows: Iterable[Row[date, int, float, int]]) -> list[WeekPoint]:
    """Daily sums (day, Σ value×weight, Σ weight, count) folded into weekly points."""
    weeks: dict[date, list[float]] = {}
    for day, weighted_sum, weight_sum, count in rows:
        acc = weeks.setdefault(week_of(day), [0.0, 0.0, 0])
        acc[0] += float(weighted_sum or 0)
        acc[1] += float(weight_sum or 0)
        acc[2] += int(count)
    return [
        WeekPoint(week, round(total / weight, 2) if weight else None, int(count))
        for week, (total, weight, count) in sorted(weeks.items())
    ]


def daily_grades(
    grade_filter: ColumnElement[bool], period: ReportingPeriod
) -> Select[date, int, float, int]:
    """Per lesson day of the period: Σ value×weight, Σ weight and count of the chosen grades."""
    return (
        select(
            Lesson.lesson_date,
            func.sum(Grade.value * Grade.weight),
            func.sum(Grade.weight),
            func.count(Grade.id),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(grade_filter, in_period(period))
        .group_by(Lesson.lesson_date)
    )


def grade_distribution(
    session: Session, grade_filter: ColumnElement[bool], period: ReportingPeriod
) -> dict[int, int]:
    """How many of the chosen grades of the period are 1, 2, … 5 (every value present)."""
    distribution = {value: 0 for value in range(1, 6)}
    for value, count in session.execute(
        select(Grade.value, func.count(Grade.id))
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(grade_filter, in_period(period))
        .group_by(Grade.value)
    ):
        distribution[int(value)] = int(count)
    return distribution
