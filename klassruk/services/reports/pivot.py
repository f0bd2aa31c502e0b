"""Ad-hoc analysis: a measure by two dimensions picked from a fixed list, aggregated in SQL."""

# The GROUP BY is built only from the whitelist below (a user picks names, never SQL). Grade
# measures count the current grades n5 … n1 per cell in SQL and apply the school's formulas of
# `metrics` (so «качество» here is the share of grades «4» and «5», «успеваемость» of grades
# «3» and better, the average is the plain mean of the grades); absences count missed lessons
# (lateness not counted); the acknowledgement rate is the share of families (guardian and child)
# who confirmed a school week, and it splits by class, grade level, week and period only.

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.journal import Absence, AbsenceMark, Grade, Lesson
from klassruk.models.school import Enrolment, ReportingPeriod, SchoolClass, Staff, Subject
from klassruk.services import calendar
from klassruk.services.reports.metrics import MarkCounts, metrics_of
from klassruk.services.reports.rates import WeekRate, school_weeks, weekly_rates
from klassruk.services.scope.classes import OUT_OF_SCOPE
from klassruk.text.formatting import format_date


class Dimension(enum.StrEnum):
    """What rows and columns may be."""

    CLASS = "class"
    GRADE_LEVEL = "grade_level"
    SUBJECT = "subject"
    TEACHER = "teacher"
    PERIOD = "period"
    WEEK = "week"


DIMENSION_TITLES: dict[Dimension, str] = {
    Dimension.CLASS: "Класс",
    Dimension.GRADE_LEVEL: "Параллель",
    Dimension.SUBJECT: "Предмет",
    Dimension.TEACHER: "Учитель",
    Dimension.PERIOD: "Период",
    Dimension.WEEK: "Неделя",
}


class Measure(enum.StrEnum):
    """What is counted in a cell."""

    AVERAGE = "average"
    QUALITY = "quality"
    SUCCESS = "success"
    GRADES = "grades"
    ABSENCES = "absences"
    ACK_RATE = "ack_rate"


MEASURE_TITLES: dict[Measure, str] = {
    Measure.AVERAGE: "Средний балл",
    Measure.QUALITY: "Качество знаний, %",
    Measure.SUCCESS: "Успеваемость, %",
    Measure.GRADES: "Количество отметок",
    Measure.ABSENCES: "Пропущено уроков",
    Measure.ACK_RATE: "Подтвердили неделю, % семей",
}
ACK_DIMENSIONS = frozenset({Dimension.CLASS, Dimension.GRADE_LEVEL, Dimension.WEEK,
                            Dimension.PERIOD})


class week_monday(FunctionElement[date]):
    """SQL: the Monday of a date's week."""

    type = Date()
    inherit_cache = True
    name = "week_monday"


@compiles(week_monday, "sqlite")
def _week_sqlite(element: week_monday, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(next(iter(element.clauses)), **kw)
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


@compiles(week_monday, "postgresql")
def _week_postgresql(element: week_monday, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(date_trunc('week', {day}) AS DATE)"


@dataclass(frozen=True)
class Filters:
    """Ids to keep (empty: all)."""

    class_ids: Collection[int] = ()
    subject_ids: Collection[int] = ()
    period_ids: Collection[int] = ()
    teacher_ids: Collection[int] = ()


@dataclass(frozen=True)
class Pivot:
    """The cells of a pivot: row label × column label → value, in order."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], float | int | None] = field(default_factory=dict)


TOTAL = "Всего"


def _keys(dimension: Dimension | None) -> list[Any]:
    """(sort key, label) columns of a dimension over the grade/absence facts."""
    class_label = cast(SchoolClass.grade, String).concat(SchoolClass.letter)
    keys: dict[Dimension | None, list[Any]] = {
        None: [literal(0), literal(TOTAL)],
        Dimension.CLASS: [SchoolClass.grade * 100 + SchoolClass.id, class_label],
        Dimension.GRADE_LEVEL: [SchoolClass.grade, SchoolClass.grade],
        Dimension.SUBJECT: [Subject.name, Subject.name],
        Dimension.TEACHER: [Staff.last_name.concat(" ").concat(Staff.first_name),
                            Staff.last_name.concat(" ").concat(Staff.first_name)],
        Dimension.PERIOD: [ReportingPeriod.starts_on, ReportingPeriod.name],
        Dimension.WEEK: [week_monday(Lesson.lesson_date), week_monday(Lesson.lesson_date)],
    }
    return keys[dimension]


def _label(dimension: Dimension | None, value: Any) -> str:
    if dimension is Dimension.WEEK:
        return format_date(value if isinstance(value, date) else date.fromisoformat(str(value)))
    if dimension is Dimension.GRADE_LEVEL:
        return f"{value} классы"
    return str(value)


def _facts(measure: Measure, year_id: int, filters: Filters) -> Any:
    """The fact rows of a measure joined to every dimension, filters applied."""
    if measure is Measure.ABSENCES:
        base = select().select_from(Absence).join(Lesson, Lesson.id == Absence.lesson_id)
        student = Absence.student_id
        base = base.where(Absence.mark != AbsenceMark.LATE)
    else:
        base = select().select_from(Grade).join(Lesson, Lesson.id == Grade.lesson_id)
        student = Grade.student_id
    query = (
        base.join(Enrolment, and_(
            Enrolment.student_id == student,
            Enrolment.starts_on <= Lesson.lesson_date,
            or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= Lesson.lesson_date),
        ))
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(Staff, Staff.id == Lesson.staff_id)
        .join(ReportingPeriod, and_(ReportingPeriod.school_year_id == year_id,
                                    Lesson.lesson_date.between(ReportingPeriod.starts_on,
                                                               ReportingPeriod.ends_on)))
        .where(SchoolClass.school_year_id == year_id)
    )
    for column, ids in ((SchoolClass.id, filters.class_ids), (Subject.id, filters.subject_ids),
                        (ReportingPeriod.id, filters.period_ids),
                        (Staff.id, filters.teacher_ids)):
        if ids:
            query = query.where(column.in_(list(ids)))
    return query


def _value(measure: Measure, counts: MarkCounts) -> float | int | None:
    metrics = metrics_of(counts)
    return {
        Measure.AVERAGE: metrics.average,
        Measure.QUALITY: metrics.quality,
        Measure.SUCCESS: metrics.success,
        Measure.GRADES: counts.total,
    }[measure]


def _ordered(found: dict[Any, str]) -> list[str]:
    return list(dict.fromkeys(label for _, label in sorted(found.items(), key=lambda i: i[0])))


def _journal_pivot(session: Session, measure: Measure, rows: Dimension,
                   columns: Dimension | None, year_id: int, filters: Filters) -> Pivot:
    row_sort, row_label = _keys(rows)
    col_sort, col_label = _keys(columns)
    if measure is Measure.ABSENCES:
        values: list[Any] = [func.count()]
    else:
        values = [func.sum(case((Grade.value == v, 1), else_=0)) for v in (5, 4, 3, 2, 1)]
    query = _facts(measure, year_id, filters).add_columns(
        row_sort, row_label, col_sort, col_label, *values
    ).group_by(row_sort, row_label, col_sort, col_label)
    row_order: dict[Any, str] = {}
    col_order: dict[Any, str] = {}
    cells: dict[tuple[str, str], float | int | None] = {}
    for r_sort, r_value, c_sort, c_value, *numbers in session.execute(query):
        r, c = _label(rows, r_value), _label(columns, c_value)
        row_order[(r_sort, r)] = r
        col_order[(c_sort, c)] = c
        if measure is Measure.ABSENCES:
            cells[(r, c)] = int(numbers[0])
        else:
            cells[(r, c)] = _value(measure, MarkCounts(*(int(n or 0) for n in numbers)))
    return Pivot(_ordered(row_order), _ordered(col_order), cells)


def _ack_pivot(session: Session, rows: Dimension, columns: Dimension | None, year_id: int,
               filters: Filters, on: date) -> Pivot:
    year = session.get_one(calendar.SchoolYear, year_id)
    periods = session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.school_year_id == year_id)
        .order_by(ReportingPeriod.starts_on)
    ).all()
    if filters.period_ids:
        periods = [p for p in periods if p.id in set(filters.period_ids)]
    class_query = (
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .where(SchoolClass.school_year_id == year_id)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    )
    if filters.class_ids:
        class_query = class_query.where(SchoolClass.id.in_(list(filters.class_ids)))
    classes = session.execute(class_query).all()
    # A week belongs to the period its Monday falls in (periods start on Mondays or close).
    weeks = [w for w in school_weeks(session, year.starts_on, year.ends_on, on)
             if any(p.starts_on <= w + timedelta(days=4) and w <= p.ends_on for p in periods)]
    rates = weekly_rates(session, [c[0] for c in classes], weeks, on)
    period_of = {w: next((p for p in periods
                          if p.starts_on <= w + timedelta(days=4) and w <= p.ends_on), None)
                 for w in weeks}

    def key(dimension: Dimension | None, class_row: Any, rate: WeekRate) -> tuple[Any, str]:
        if dimension is None:
            return (0, TOTAL)
        if dimension is Dimension.CLASS:
            return ((class_row[1], class_row[2]), f"{class_row[1]}{class_row[2]}")
        if dimension is Dimension.GRADE_LEVEL:
            return (class_row[1], _label(dimension, class_row[1]))
        if dimension is Dimension.WEEK:
            return (rate.week_start, _label(dimension, rate.week_start))
        period = period_of.get(rate.week_start)
        return ((period.starts_on, period.name) if period else (date.max, "—"))

    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    row_order: dict[Any, str] = {}
    col_order: dict[Any, str] = {}
    for class_row in classes:
        for rate in rates.get(class_row[0], []):
            (r_sort, r), (c_sort, c) = key(rows, class_row, rate), key(columns, class_row, rate)
            row_order[(r_sort, r)] = r
            col_order[(c_sort, c)] = c
            sums[(r, c)][0] += rate.acknowledged
            sums[(r, c)][1] += rate.families
    cells: dict[tuple[str, str], float | int | None] = {
        cell: (None if total == 0 else round(done / total * 100, 1))
        for cell, (done, total) in sums.items()
    }
    return Pivot(_ordered(row_order), _ordered(col_order), cells)


def pivot(
    session: Session,
    actor: Actor,
    *,
    measure: Measure,
    rows: Dimension,
    columns: Dimension | None,
    filters: Filters,
    on: date,
) -> Pivot:
    """The measure by rows and columns over the current school year (school-wide actors)."""
    require(actor, Action.RUN_ANALYSIS)
    if not actor.is_school_wide_for(Action.RUN_ANALYSIS):
        raise PermissionDenied(OUT_OF_SCOPE)
    rows, measure = Dimension(rows), Measure(measure)
    columns = None if columns is None else Dimension(columns)
    if rows == columns:
        raise DomainError("Строки и столбцы должны быть разными.")
    year = calendar.current_year(session)
    if measure is Measure.ACK_RATE:
        bad = {rows, columns} - ACK_DIMENSIONS - {None}
        if bad or filters.subject_ids or filters.teacher_ids:
            raise DomainError("Долю ознакомления можно разложить только по классам, "
                              "параллелям, неделям и периодам.")
        return _ack_pivot(session, rows, columns, year.id, filters, on)
    return _journal_pivot(session, measure, rows, columns, year.id, filters)


@dataclass(frozen=True)
class Options:
    """What the filters offer: (id, title) of classes, subjects, periods, teachers."""

    classes: list[tuple[int, str]]
    subjects: list[tuple[int, str]]
    periods: list[tuple[int, str]]
    teachers: list[tuple[int, str]]


def analysis_options(session: Session, actor: Actor) -> Options:
    """The current year's classes, subjects taught, periods and teachers, for the filters."""
    require(actor, Action.RUN_ANALYSIS)
    if not actor.is_school_wide_for(Action.RUN_ANALYSIS):
        raise PermissionDenied(OUT_OF_SCOPE)
    year = calendar.current_year(session)
    taught = select(Lesson.subject_id).distinct()
    teaching = select(Lesson.staff_id).distinct()
    return Options(
        classes=[(row[0], f"{row[1]}{row[2]}") for row in session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.grade, SchoolClass.letter))],
        subjects=[(row[0], row[1]) for row in session.execute(
            select(Subject.id, Subject.name).where(Subject.id.in_(taught))
            .order_by(Subject.name))],
        periods=[(row[0], row[1]) for row in session.execute(
            select(ReportingPeriod.id, ReportingPeriod.name)
            .where(ReportingPeriod.school_year_id == year.id)
            .order_by(ReportingPeriod.starts_on))],
        teachers=[(row[0], f"{row[1]} {row[2]}") for row in session.execute(
            select(Staff.id, Staff.last_name, Staff.first_name).where(Staff.id.in_(teaching))
            .order_by(Staff.last_name, Staff.first_name))],
    )
