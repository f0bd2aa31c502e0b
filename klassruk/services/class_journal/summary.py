"""The class summary (students × subjects for a period) and its drill-down into a subject."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.journal import Absence, AbsenceMark, Grade, Lesson, PeriodGrade
from klassruk.models.school import (
    GroupMembership,
    ReportingPeriod,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services.class_journal.common import (
    in_period,
    open_class_journal,
    rounded,
    weighted_mean,
)
from klassruk.services.journal.grid import JournalGrid, build_grid
from klassruk.services.roster.people import class_students, enrolled_query
from klassruk.services.scope.journals import JournalReach, class_reach

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
    without_marks: bool
    students: list[tuple[int, str]]
    subjects: list[tuple[int, str]]
    cells: dict[tuple[int, int], SummaryCell]
    # Per student over all subjects: weighted average, grades, absences.
    totals: dict[int, tuple[float | None, int, int]]
    at_risk: list[AtRisk]


def _subjects(session: Session, class_id: int, period: ReportingPeriod) -> list[tuple[int, str]]:
    groups = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(enrolled_query(class_id, period.starts_on, period.ends_on))
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
                    select(Lesson.subject_id).where(Lesson.group_id.in_(groups), in_period(period))
                ),
            )
        )
        .order_by(Subject.name)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def _summary_cells(
    session: Session, ids: list[int], period: ReportingPeriod, reach: JournalReach
) -> tuple[dict[tuple[int, int], SummaryCell], dict[int, int]]:
    """Per (student, subject) the averages, grades, period grade and absences; absences total."""
    grades = session.execute(
        select(
            Grade.student_id,
            Lesson.subject_id,
            func.avg(Grade.value),
            weighted_mean(),
            func.count(Grade.id),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(
            Grade.student_id.in_(ids),
            in_period(period),
            reach.rows(Grade.student_id, Lesson.lesson_date),
        )
        .group_by(Grade.student_id, Lesson.subject_id)
    ).all()
    absences = session.execute(
        select(Absence.student_id, Lesson.subject_id, func.count(Absence.id))
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(
            Absence.student_id.in_(ids),
            Absence.mark != AbsenceMark.LATE,
            in_period(period),
            reach.rows(Absence.student_id, Lesson.lesson_date),
        )
        .group_by(Absence.student_id, Lesson.subject_id)
    ).all()
    period_grades = session.execute(
        select(PeriodGrade.student_id, PeriodGrade.subject_id, PeriodGrade.value).where(
            PeriodGrade.student_id.in_(reach.period_grades_of(ids, period)),
            PeriodGrade.period_id == period.id,
        )
    ).all()
    raw: dict[tuple[int, int], list[object]] = {}
    for student_id, subject_id, avg, wavg, count in grades:
        raw[(student_id, subject_id)] = [rounded(avg), rounded(wavg), int(count), None, 0]
    for student_id, subject_id, value in period_grades:
        raw.setdefault((student_id, subject_id), [None, None, 0, None, 0])[3] = value
    absences_total: dict[int, int] = {}
    for student_id, subject_id, count in absences:
        raw.setdefault((student_id, subject_id), [None, None, 0, None, 0])[4] = int(count)
        absences_total[student_id] = absences_total.get(student_id, 0) + int(count)
    cells = {key: SummaryCell(*values) for key, values in raw.items()}  # type: ignore[arg-type]
    return cells, absences_total


def _student_totals(
    session: Session,
    ids: list[int],
    period: ReportingPeriod,
    reach: JournalReach,
    absences_total: dict[int, int],
) -> dict[int, tuple[float | None, int, int]]:
    """Per student: weighted average over all subjects, number of grades, absences."""
    totals = {
        student_id: (rounded(wavg), int(count), absences_total.get(student_id, 0))
        for student_id, wavg, count in session.execute(
            select(Grade.student_id, weighted_mean(), func.count(Grade.id))
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .where(
                Grade.student_id.in_(ids),
                in_period(period),
                reach.rows(Grade.student_id, Lesson.lesson_date),
            )
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
    school_class, period = open_class_journal(session, actor, class_id, period_id)
    students = [
        (s.id, f"{s.last_name} {s.first_name}")
        for s in class_students(session, class_id, period.starts_on, period.ends_on).values()
    ]
    # A literal id list (one class, ~30 ids) lets PostgreSQL use the grade index; with a
    # subquery it misestimated the class size and scanned the whole grade table.
    ids = [student_id for student_id, _ in students]
    # A pupil who joined or left the class in the period counts only on their days in it.
    reach = class_reach(session, class_id)
    cells, absences_total = _summary_cells(session, ids, period, reach)
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
        without_marks=school_class.without_marks,
        students=students,
        subjects=subjects,
        cells=cells,
        totals=_student_totals(session, ids, period, reach, absences_total),
        at_risk=_at_risk(students, cells, dict(subjects), absences_total),
    )


def subject_drilldown(
    session: Session, actor: Actor, *, class_id: int, subject_id: int, period_id: int
) -> list[JournalGrid]:
    """The subject's journal as its teachers see it (one grid per group), the class's rows only."""
    _, period = open_class_journal(session, actor, class_id, period_id)
    students_q = enrolled_query(class_id, period.starts_on, period.ends_on)
    # A pupil who joined or left the class in the period shows only on their days in it.
    reach = class_reach(session, class_id)
    group_ids = list(
        session.scalars(
            select(Lesson.group_id)
            .join(StudyGroup, StudyGroup.id == Lesson.group_id)
            .where(
                Lesson.subject_id == subject_id,
                in_period(period),
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
