"""The deputy head's analytical report of a class for a period: metrics, lists, pupils."""

# Python tallies the few hundred marks per class that `readings` aggregates in SQL into n5 … n1
# and shapes the rows. Reports for many classes are built in one pass (the same statements
# over all their pupils), not one class at a time.

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.school import Enrolment, ReportingPeriod, SchoolClass, Student, Subject
from klassruk.services import calendar
from klassruk.services.class_journal.summary import AT_RISK_ABSENCES
from klassruk.services.lookup import get_or_404
from klassruk.services.reports.metrics import (
    MarkCounts,
    Metrics,
    class_metrics,
    metrics_of,
    standing_of,
)
from klassruk.services.reports.readings import (
    class_teachers,
    grades_and_absences,
    overall_averages,
    previous_period,
    pupil_marks,
    pupils_of,
    reference_day,
)
from klassruk.services.scope.classes import active_on, require_class_scope

# Up to this many classes the pupils' own index reads their grades fastest (`of_pupils`):
# on the LARGE demo (SQLite) one class's marks took 0.1 s by pupil, 0.5 s by lesson date, and
# the whole school's (88 classes) 7.5 s by pupil, 2.9 s by date.
FEW_CLASSES = 24


@dataclass(frozen=True)
class SubjectLine:
    """A subject of the class: its teachers and metrics now and in the previous period."""

    subject: str
    teachers: str
    counts: MarkCounts
    current: Metrics
    previous: Metrics | None
    unmarked: int


@dataclass(frozen=True)
class StudentSubject:
    """One pupil in one subject: grades, average, period grade, mark and its dynamics."""

    subject: str
    grades: str
    average: float | None
    period_grade: int | None
    mark: int | None
    previous_mark: int | None
    missed: int

    @property
    def dynamics(self) -> str:
        if self.mark is None or self.previous_mark is None:
            return ""
        if self.mark > self.previous_mark:
            return "выше"
        return "ниже" if self.mark < self.previous_mark else "так же"


@dataclass(frozen=True)
class StudentLine:
    """One pupil: every subject, the period marks by value, attendance, risk."""

    student_id: int
    name: str
    counts: MarkCounts
    average: float | None
    missed: int
    excused: int
    risk: str
    subjects: list[StudentSubject] = field(default_factory=list)


@dataclass(frozen=True)
class AnalyticalReport:
    """The report of a class for a period, with the previous period beside it."""

    class_id: int
    class_name: str
    period_id: int
    period: str
    previous_period: str | None
    on: date
    overall: Metrics
    previous_overall: Metrics | None
    subjects: list[SubjectLine]
    excellent: list[str]
    good: list[str]
    one_four: list[str]
    one_three: list[str]
    failing: list[str]
    missed: int
    excused: int
    students: list[StudentLine]
    # Reports stored before the flag existed read as taught with marks.
    without_marks: bool = False

    @property
    def at_risk(self) -> list[tuple[str, str]]:
        return [(line.name, line.risk) for line in self.students if line.risk]


def _risk(line_subjects: list[StudentSubject], missed: int, marked_subjects: set[str]) -> str:
    """Why a pupil needs attention: a «2», no mark where others have one, many absences."""
    reasons = []
    failing = [s.subject for s in line_subjects if s.mark is not None and s.mark <= 2]
    if failing:
        reasons.append("неудовлетворительно: " + ", ".join(failing))
    have = {s.subject for s in line_subjects if s.mark is not None}
    unmarked = sorted(marked_subjects - have)
    if unmarked:
        reasons.append("нет отметок: " + ", ".join(unmarked))
    if missed >= AT_RISK_ABSENCES:
        reasons.append(f"пропущено уроков: {missed}")
    return "; ".join(reasons)


@dataclass(frozen=True)
class _Reading:
    """What one pass read for every class of the report."""

    period: ReportingPeriod
    before: ReportingPeriod | None
    day: date
    cells: dict[tuple[int, int], Any]
    prev_cells: dict[tuple[int, int], Any]
    grades: dict[tuple[int, int], str]
    absences: dict[tuple[int, int], tuple[int, int]]
    averages: dict[int, float]
    teachers: dict[tuple[int, int], list[str]]
    names: dict[int, str]


def _student_line(
    reading: _Reading, student_id: int, name: str, subject_ids: list[int], marked: set[str]
) -> StudentLine:
    own = []
    for sid in subject_ids:
        key = (student_id, sid)
        cell, prev = reading.cells.get(key), reading.prev_cells.get(key)
        if cell is None and key not in reading.grades and key not in reading.absences:
            continue
        own.append(
            StudentSubject(
                subject=reading.names[sid],
                grades=reading.grades.get(key, ""),
                average=None
                if cell is None or cell.average is None
                else round(float(cell.average), 2),
                period_grade=None if cell is None else cell.period_grade,
                mark=None if cell is None else int(cell.mark),
                previous_mark=None if prev is None else int(prev.mark),
                missed=reading.absences.get(key, (0, 0))[0],
            )
        )
    missed = sum(s.missed for s in own)
    excused = sum(reading.absences.get((student_id, sid), (0, 0))[1] for sid in subject_ids)
    counts = MarkCounts.tally(s.mark for s in own if s.mark is not None)
    return StudentLine(
        student_id=student_id,
        name=name,
        counts=counts,
        average=reading.averages.get(student_id),
        missed=missed,
        excused=excused,
        risk=_risk(own, missed, marked),
        subjects=own,
    )


def _tally(cells: dict[tuple[int, int], Any], index: int) -> dict[int, MarkCounts]:
    """Marks counted per subject (index 1) or per pupil (index 0)."""
    found: dict[int, list[int]] = {}
    for key, row in cells.items():
        found.setdefault(key[index], []).append(int(row.mark))
    return {key: MarkCounts.tally(marks) for key, marks in found.items()}


def _class_report(
    reading: _Reading, school_class: SchoolClass, people: list[tuple[int, str]]
) -> AnalyticalReport:
    """One class's report; `reading` holds only this class's pupils' cells."""
    by_subject, prev_subject = _tally(reading.cells, 1), _tally(reading.prev_cells, 1)
    subject_ids = sorted(
        set(by_subject)
        | {sid for _, sid in reading.grades}
        | {sid for (class_id, sid) in reading.teachers if class_id == school_class.id},
        key=lambda sid: reading.names[sid],
    )
    marked = {reading.names[sid] for sid in by_subject}
    lines = [
        _student_line(reading, student_id, name, subject_ids, marked) for student_id, name in people
    ]
    prev_pupils = list(_tally(reading.prev_cells, 0).values())

    def listed(flag: str) -> list[str]:
        return [line.name for line in lines if getattr(standing_of(line.counts), flag)]

    return AnalyticalReport(
        class_id=school_class.id,
        class_name=school_class.name,
        without_marks=school_class.without_marks,
        period_id=reading.period.id,
        period=reading.period.name,
        previous_period=None if reading.before is None else reading.before.name,
        on=reading.day,
        overall=class_metrics(line.counts for line in lines),
        previous_overall=None if reading.before is None else class_metrics(prev_pupils),
        subjects=[
            SubjectLine(
                subject=reading.names[sid],
                teachers=", ".join(reading.teachers.get((school_class.id, sid), [])),
                counts=by_subject.get(sid, MarkCounts()),
                current=metrics_of(by_subject.get(sid, MarkCounts())),
                previous=metrics_of(prev_subject[sid]) if sid in prev_subject else None,
                unmarked=len(people) - by_subject.get(sid, MarkCounts()).total,
            )
            for sid in subject_ids
        ],
        excellent=listed("excellent"),
        good=listed("good"),
        one_four=listed("one_four"),
        one_three=listed("one_three"),
        failing=listed("failing"),
        missed=sum(line.missed for line in lines),
        excused=sum(line.excused for line in lines),
        students=lines,
    )


def build_reports(
    session: Session, *, classes: list[SchoolClass], period: ReportingPeriod, on: date
) -> list[AnalyticalReport]:
    """The reports of these classes, read in one pass; the caller has checked the scope."""
    day = reference_day(period, on)
    class_ids = [c.id for c in classes]
    students = pupils_of(class_ids, day)
    people: dict[int, list[tuple[int, str]]] = {c.id: [] for c in classes}
    for class_id, student_id, last, first, middle in session.execute(
        select(
            Enrolment.class_id,
            Student.id,
            Student.last_name,
            Student.first_name,
            Student.middle_name,
        )
        .join(Student, Student.id == Enrolment.student_id)
        .where(
            Enrolment.class_id.in_(class_ids),
            active_on(Enrolment.starts_on, Enrolment.ends_on, day),
        )
        .order_by(Student.last_name, Student.first_name, Student.id)
    ):
        people[class_id].append((student_id, " ".join(p for p in (last, first, middle) if p)))
    before = previous_period(session, period)
    many = len(class_ids) > FEW_CLASSES
    grades, absences = grades_and_absences(session, students, period, many=many)
    teachers = class_teachers(session, class_ids, day)
    cells = pupil_marks(session, students, period, many=many)
    subject_ids = {key[1] for key in (*cells, *grades, *teachers)}
    reading = _Reading(
        period=period,
        before=before,
        day=day,
        cells=cells,
        prev_cells=pupil_marks(session, students, before, many=many),
        grades=grades,
        absences=absences,
        averages=overall_averages(cells),
        teachers=teachers,
        names={
            row[0]: row[1]
            for row in session.execute(
                select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))
            )
        },
    )
    class_of = {student_id: class_id for class_id, rows in people.items() for student_id, _ in rows}

    def split(cells: dict[tuple[int, int], Any]) -> dict[int, dict[tuple[int, int], Any]]:
        parts: dict[int, dict[tuple[int, int], Any]] = {c.id: {} for c in classes}
        for key, value in cells.items():
            if key[0] in class_of:
                parts[class_of[key[0]]][key] = value
        return parts

    parts = [
        split(reading.cells),
        split(reading.prev_cells),
        split(reading.grades),
        split(reading.absences),
    ]
    return [
        _class_report(
            replace(
                reading,
                cells=parts[0][c.id],
                prev_cells=parts[1][c.id],
                grades=parts[2][c.id],
                absences=parts[3][c.id],
            ),
            c,
            people[c.id],
        )
        for c in classes
    ]


def analytical_report(
    session: Session, actor: Actor, *, class_id: int, period_id: int, on: date
) -> AnalyticalReport:
    """The live report of a class for a period (the deputy head, before sending it)."""
    require_class_scope(session, actor, class_id, Action.SEND_ANALYTICAL_REPORT)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    period = calendar.get_period(session, period_id)
    return build_reports(session, classes=[school_class], period=period, on=on)[0]
