"""The class teacher's read-only class journal: summaries, drill-down, student card, charts.

Every figure is aggregated in SQL (GROUP BY); Python only folds days into weeks and shapes rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, or_, select
from sqlalchemy.orm import Session

from klassruk.models import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    SchoolClass,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.models.journal import Absence, AbsenceMark, Grade, GradeKind, Lesson, PeriodGrade
from klassruk.permissions import Action, Actor
from klassruk.services import calendar
from klassruk.services.journal import JournalGrid, build_grid
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.journals import enrolment_reach, require_student_card_scope

AT_RISK_AVERAGE = 3.0
# Missed lessons in a period (Н, Б, УП; lateness not counted) from which a student stands out:
# about four school days, more than a short cold explains.
AT_RISK_ABSENCES = 20


@dataclass(frozen=True)
class SummaryCell:
    """One student in one subject for the period."""

    average: float | None
    weighted_average: float | None
    grades: int
    period_grade: int | None
    absences: int


@dataclass(frozen=True)
class AtRisk:
    """A student who stands out: low averages or many absences."""

    student_id: int
    name: str
    low_subjects: list[str]
    absences: int

    @property
    def reasons(self) -> str:
        parts = []
        if self.low_subjects:
            parts.append("средний балл ниже 3: " + ", ".join(self.low_subjects))
        if self.absences >= AT_RISK_ABSENCES:
            parts.append(f"пропусков: {self.absences}")
        return "; ".join(parts)


@dataclass(frozen=True)
class ClassSummary:
    """Students × subjects for a period."""

    class_id: int
    class_name: str
    period_id: int
    period: str
    is_closed: bool
    students: list[tuple[int, str]]
    subjects: list[tuple[int, str]]
    cells: dict[tuple[int, int], SummaryCell]
    # Per student over all subjects: weighted average, grades, absences.
    totals: dict[int, tuple[float | None, int, int]]
    at_risk: list[AtRisk]


def _round(value: object) -> float | None:
    return None if value is None else round(float(value), 2)  # type: ignore[arg-type]


def _weighted() -> ColumnElement[Any]:
    return func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight)


def _class(session: Session, class_id: int) -> SchoolClass:
    return get_or_404(session, SchoolClass, class_id, "Класс не найден.")


def _class_students(class_id: int, period: ReportingPeriod) -> Select[int]:
    return select(Enrolment.student_id).where(
        Enrolment.class_id == class_id,
        Enrolment.starts_on <= period.ends_on,
        or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= period.starts_on),
    )


def _in_period(period: ReportingPeriod) -> ColumnElement[bool]:
    return Lesson.lesson_date.between(period.starts_on, period.ends_on)


def _open(
    session: Session, actor: Actor, class_id: int, period_id: int
) -> tuple[SchoolClass, ReportingPeriod]:
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
    return _class(session, class_id), calendar.get_period(session, period_id)


def _subjects(session: Session, class_id: int, period: ReportingPeriod) -> list[tuple[int, str]]:
    groups = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(_class_students(class_id, period))
    )
    query = (
        select(Subject.id, Subject.name)
        .where(
            or_(
                Subject.id.in_(
                    select(TeachingAssignment.subject_id).where(
                        TeachingAssignment.group_id.in_(groups)
                    )
                ),
                Subject.id.in_(
                    select(Lesson.subject_id).where(Lesson.group_id.in_(groups), _in_period(period))
                ),
            )
        )
        .order_by(Subject.name)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def _summary_cells(
    session: Session, ids: list[int], period: ReportingPeriod
) -> tuple[dict[tuple[int, int], SummaryCell], dict[int, int]]:
    """Per (student, subject) the averages, grades, period grade and absences; absences total."""
    grades = session.execute(
        select(
            Grade.student_id,
            Lesson.subject_id,
            func.avg(Grade.value),
            _weighted(),
            func.count(Grade.id),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Grade.student_id.in_(ids), _in_period(period))
        .group_by(Grade.student_id, Lesson.subject_id)
    ).all()
    absences = session.execute(
        select(Absence.student_id, Lesson.subject_id, func.count(Absence.id))
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(
            Absence.student_id.in_(ids),
            Absence.mark != AbsenceMark.LATE,
            _in_period(period),
        )
        .group_by(Absence.student_id, Lesson.subject_id)
    ).all()
    period_grades = session.execute(
        select(PeriodGrade.student_id, PeriodGrade.subject_id, PeriodGrade.value).where(
            PeriodGrade.student_id.in_(ids), PeriodGrade.period_id == period.id
        )
    ).all()
    raw: dict[tuple[int, int], list[object]] = {}
    for student_id, subject_id, avg, wavg, count in grades:
        raw[(student_id, subject_id)] = [_round(avg), _round(wavg), int(count), None, 0]
    for student_id, subject_id, value in period_grades:
        raw.setdefault((student_id, subject_id), [None, None, 0, None, 0])[3] = value
    absences_total: dict[int, int] = {}
    for student_id, subject_id, count in absences:
        raw.setdefault((student_id, subject_id), [None, None, 0, None, 0])[4] = int(count)
        absences_total[student_id] = absences_total.get(student_id, 0) + int(count)
    cells = {key: SummaryCell(*values) for key, values in raw.items()}  # type: ignore[arg-type]
    return cells, absences_total


def _student_totals(
    session: Session, ids: list[int], period: ReportingPeriod, absences_total: dict[int, int]
) -> dict[int, tuple[float | None, int, int]]:
    """Per student: weighted average over all subjects, number of grades, absences."""
    totals = {
        student_id: (_round(wavg), int(count), absences_total.get(student_id, 0))
        for student_id, wavg, count in session.execute(
            select(Grade.student_id, _weighted(), func.count(Grade.id))
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .where(Grade.student_id.in_(ids), _in_period(period))
            .group_by(Grade.student_id)
        )
    }
    for student_id, count in absences_total.items():
        totals.setdefault(student_id, (None, 0, count))
    return totals


def _at_risk(
    students: list[tuple[int, str]],
    cells: dict[tuple[int, int], SummaryCell],
    subject_names: dict[int, str],
    absences_total: dict[int, int],
) -> list[AtRisk]:
    """Students with a low weighted average in a subject or many absences."""
    at_risk = []
    for student_id, name in students:
        low = sorted(
            subject_names[subject_id]
            for (sid, subject_id), cell in cells.items()
            if sid == student_id
            and cell.weighted_average is not None
            and cell.weighted_average < AT_RISK_AVERAGE
        )
        missed = absences_total.get(student_id, 0)
        if low or missed >= AT_RISK_ABSENCES:
            at_risk.append(AtRisk(student_id, name, low, missed))
    return at_risk


def class_summary(session: Session, actor: Actor, *, class_id: int, period_id: int) -> ClassSummary:
    """Students × subjects: average, weighted average, grades, period grade, absences."""
    school_class, period = _open(session, actor, class_id, period_id)
    students = [
        (row[0], f"{row[1]} {row[2]}")
        for row in session.execute(
            select(Student.id, Student.last_name, Student.first_name)
            .where(Student.id.in_(_class_students(class_id, period)))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    ]
    # A literal id list (one class, ~30 ids) lets PostgreSQL use the grade index; with a
    # subquery it misestimated the class size and scanned the whole grade table.
    ids = [student_id for student_id, _ in students]
    cells, absences_total = _summary_cells(session, ids, period)
    subjects = _subjects(session, class_id, period)
    extra = {subject_id for _, subject_id in cells} - {s for s, _ in subjects}
    if extra:
        subjects += [
            (row[0], row[1])
            for row in session.execute(
                select(Subject.id, Subject.name).where(Subject.id.in_(extra))
            )
        ]
    return ClassSummary(
        class_id=class_id,
        class_name=school_class.name,
        period_id=period.id,
        period=period.name,
        is_closed=period.is_closed,
        students=students,
        subjects=subjects,
        cells=cells,
        totals=_student_totals(session, ids, period, absences_total),
        at_risk=_at_risk(students, cells, dict(subjects), absences_total),
    )


def subject_drilldown(
    session: Session, actor: Actor, *, class_id: int, subject_id: int, period_id: int
) -> list[JournalGrid]:
    """The subject's journal as its teachers see it (one grid per group), the class's rows only."""
    _, period = _open(session, actor, class_id, period_id)
    students_q = _class_students(class_id, period)
    # A pupil who joined or left the class in the period shows only on their days in it.
    reach = enrolment_reach(session, select(SchoolClass.id).where(SchoolClass.id == class_id))
    group_ids = list(
        session.scalars(
            select(Lesson.group_id)
            .join(StudyGroup, StudyGroup.id == Lesson.group_id)
            .where(
                Lesson.subject_id == subject_id,
                _in_period(period),
                Lesson.group_id.in_(
                    select(GroupMembership.group_id).where(
                        GroupMembership.student_id.in_(students_q)
                    )
                ),
            )
            .distinct()
        )
    )
    grids = [
        build_grid(
            session,
            group_id=group_id,
            subject_id=subject_id,
            period_id=period_id,
            reach=reach,
        )
        for group_id in group_ids
    ]
    return sorted((g for g in grids if g.students), key=lambda g: g.group)


# ---------------------------------------------------------------- charts


@dataclass(frozen=True)
class SubjectAverage:
    """The class's average in a subject."""

    subject: str
    average: float | None
    weighted_average: float | None
    grades: int


@dataclass(frozen=True)
class WeekPoint:
    """A week's weighted average and number of grades."""

    week_start: date
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


def _week(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _fold_weeks(rows: Iterable[Row[date, int, float, int]]) -> list[WeekPoint]:
    weeks: dict[date, list[float]] = {}
    for day, weighted_sum, weight_sum, count in rows:
        acc = weeks.setdefault(_week(day), [0.0, 0.0, 0])
        acc[0] += float(weighted_sum or 0)
        acc[1] += float(weight_sum or 0)
        acc[2] += int(count)
    return [
        WeekPoint(week, round(total / weight, 2) if weight else None, int(count))
        for week, (total, weight, count) in sorted(weeks.items())
    ]


def _daily(
    grade_filter: ColumnElement[bool], period: ReportingPeriod
) -> Select[date, int, float, int]:
    return (
        select(
            Lesson.lesson_date,
            func.sum(Grade.value * Grade.weight),
            func.sum(Grade.weight),
            func.count(Grade.id),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(grade_filter, _in_period(period))
        .group_by(Lesson.lesson_date)
    )


def class_charts(session: Session, actor: Actor, *, class_id: int, period_id: int) -> ClassCharts:
    """Averages by subject, distribution of grades, weekly trend, attendance by week."""
    _, period = _open(session, actor, class_id, period_id)
    ids = list(session.scalars(_class_students(class_id, period)))
    in_class = Grade.student_id.in_(ids)
    averages = [
        SubjectAverage(name, _round(avg), _round(wavg), int(count))
        for name, avg, wavg, count in session.execute(
            select(Subject.name, func.avg(Grade.value), _weighted(), func.count(Grade.id))
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .where(in_class, _in_period(period))
            .group_by(Subject.name)
            .order_by(Subject.name)
        )
    ]
    distribution = {value: 0 for value in range(1, 6)}
    for value, count in session.execute(
        select(Grade.value, func.count(Grade.id))
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(in_class, _in_period(period))
        .group_by(Grade.value)
    ):
        distribution[int(value)] = int(count)
    weekly = _fold_weeks(session.execute(_daily(in_class, period)))
    attendance: dict[tuple[date, AbsenceMark], int] = {}
    for day, mark, count in session.execute(
        select(Lesson.lesson_date, Absence.mark, func.count(Absence.id))
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(Absence.student_id.in_(ids), _in_period(period))
        .group_by(Lesson.lesson_date, Absence.mark)
    ):
        key = (_week(day), mark)
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


# ---------------------------------------------------------------- the student card


@dataclass(frozen=True)
class CardSubject:
    """A subject on the student card."""

    subject: str
    average: float | None
    weighted_average: float | None
    grades: int
    period_grade: int | None
    absences: int
    marks: str


@dataclass(frozen=True)
class StudentCard:
    """One student in all subjects for the period, with the weekly trend."""

    student_id: int
    name: str
    period: str
    subjects: list[CardSubject]
    weekly: list[WeekPoint]
    distribution: dict[int, int]
    weighted_average: float | None
    absences: int


def _card_subjects(
    session: Session, student_id: int, period: ReportingPeriod
) -> tuple[list[CardSubject], int]:
    """Each subject's averages, marks, period grade and absences; the absences in all."""
    own = Grade.student_id == student_id
    per_subject = session.execute(
        select(Subject.id, Subject.name, func.avg(Grade.value), _weighted(), func.count(Grade.id))
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(own, _in_period(period))
        .group_by(Subject.id, Subject.name)
    ).all()
    absences = dict(
        session.execute(
            select(Lesson.subject_id, func.count(Absence.id))
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(
                Absence.student_id == student_id,
                Absence.mark != AbsenceMark.LATE,
                _in_period(period),
            )
            .group_by(Lesson.subject_id)
        ).all()
    )
    period_grades = dict(
        session.execute(
            select(PeriodGrade.subject_id, PeriodGrade.value).where(
                PeriodGrade.student_id == student_id, PeriodGrade.period_id == period.id
            )
        ).all()
    )
    marks: dict[int, list[str]] = {}
    for subject_id, value, kind in session.execute(
        select(Lesson.subject_id, Grade.value, Grade.kind)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(own, _in_period(period))
        .order_by(Lesson.lesson_date, Lesson.number, Grade.id)
    ):
        marks.setdefault(subject_id, []).append(f"{value}{'к' if kind == GradeKind.TEST else ''}")
    names = {row[0]: row[1] for row in per_subject}
    extra = (set(absences) | set(period_grades)) - set(names)
    if extra:
        names.update(
            session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(extra))).all()
        )
    stats = {row[0]: row[2:] for row in per_subject}
    subjects = [
        CardSubject(
            subject=names[subject_id],
            average=_round(stats.get(subject_id, (None,))[0]),
            weighted_average=_round(stats.get(subject_id, (None, None))[1]),
            grades=int(stats.get(subject_id, (None, None, 0))[2]),
            period_grade=period_grades.get(subject_id),
            absences=int(absences.get(subject_id, 0)),
            marks=" ".join(marks.get(subject_id, [])),
        )
        for subject_id in sorted(names, key=names.__getitem__)
    ]
    return subjects, sum(int(c) for c in absences.values())


def student_card(session: Session, actor: Actor, *, student_id: int, period_id: int) -> StudentCard:
    """All subjects of one student for the period: averages, marks, absences, weekly trend."""
    period = calendar.get_period(session, period_id)
    require_student_card_scope(session, actor, student_id=student_id, period=period)
    student = get_or_404(session, Student, student_id, "Обучающийся не найден.")
    own = Grade.student_id == student_id
    subjects, absences = _card_subjects(session, student_id, period)
    distribution = {value: 0 for value in range(1, 6)}
    for value, count in session.execute(
        select(Grade.value, func.count(Grade.id))
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(own, _in_period(period))
        .group_by(Grade.value)
    ):
        distribution[int(value)] = int(count)
    total = session.execute(
        select(_weighted())
        .select_from(Grade)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(own, _in_period(period))
    ).scalar()
    return StudentCard(
        student_id=student_id,
        name=student.full_name,
        period=period.name,
        subjects=subjects,
        weekly=_fold_weeks(session.execute(_daily(own, period))),
        distribution=distribution,
        weighted_average=_round(total),
        absences=absences,
    )
