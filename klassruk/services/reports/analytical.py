"""The deputy head's analytical report of a class for a period, sent to the class teacher.

Grades and absences are aggregated in SQL: one statement gives each pupil's mark per subject
(`metrics.period_marks`), others the grades in order, absences and averages per pupil and
subject. Python tallies those few hundred marks per class into n5 … n1 and shapes the rows.
Reports for many classes are built in one pass (the same statements over all their pupils),
not one class at a time. What is sent is kept as a snapshot, so the class teacher reads
exactly the numbers the deputy head sent, and the deputy head sees when it was read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, case, cast, func, select, true, update
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.models import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    SchoolClass,
    Staff,
    Student,
    Subject,
    TeachingAssignment,
    UserAccount,
)
from klassruk.models.journal import Absence, AbsenceMark, Grade, Lesson
from klassruk.models.reports import SentReport
from klassruk.permissions import Action, Actor, require
from klassruk.services import calendar
from klassruk.services.class_journal.summary import AT_RISK_ABSENCES
from klassruk.services.lookup import get_or_404
from klassruk.services.reports.metrics import (
    MarkCounts,
    Metrics,
    class_metrics,
    metrics_of,
    period_marks,
    standing_of,
)
from klassruk.services.scope.classes import (
    OUT_OF_SCOPE,
    active_on,
    own_class_ids_query,
    require_class_scope,
)

EXCUSED = (AbsenceMark.ILL, AbsenceMark.EXCUSED)


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

    @property
    def at_risk(self) -> list[tuple[str, str]]:
        return [(line.name, line.risk) for line in self.students if line.risk]


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


def _students(class_ids: list[int], on: date) -> Select[Any]:
    return select(Enrolment.student_id).where(
        Enrolment.class_id.in_(class_ids), active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )


def _reference_day(period: ReportingPeriod, on: date) -> date:
    """The pupils of the report: those in the class at the period's end, or today if earlier."""
    return max(period.starts_on, min(period.ends_on, on))


def _pupil_marks(
    session: Session, students: Select[Any], period: ReportingPeriod | None
) -> dict[tuple[int, int], Any]:
    """Per (pupil, subject) the mark row of the period (none without a period)."""
    if period is None:
        return {}
    marks = period_marks(students, period)
    return {(row.student_id, row.subject_id): row for row in session.execute(select(marks))}


def _teachers(
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


def _grades_and_absences(
    session: Session, students: Select[Any], period: ReportingPeriod
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], tuple[int, int]]]:
    """Per (pupil, subject): the grades as a string in date order; missed and excused lessons."""
    in_period = Lesson.lesson_date.between(period.starts_on, period.ends_on)
    ordered = (
        select(Grade.student_id, Lesson.subject_id, Grade.value)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Grade.student_id.in_(students), in_period)
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
            .where(Absence.student_id.in_(students), Absence.mark != AbsenceMark.LATE, in_period)
            .group_by(Absence.student_id, Lesson.subject_id)
        )
    }
    return grades, absences


def _overall_averages(cells: dict[tuple[int, int], Any]) -> dict[int, float]:
    """Per pupil the weighted average of every grade of the period, from the per-subject sums."""
    sums: dict[int, list[float]] = {}
    for (student_id, _), row in cells.items():
        if row.weights:
            total = sums.setdefault(student_id, [0.0, 0.0])
            total[0] += float(row.points)
            total[1] += float(row.weights)
    return {student_id: round(points / weights, 2)
            for student_id, (points, weights) in sums.items()}


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


def _student_line(reading: _Reading, student_id: int, name: str, subject_ids: list[int],
                  marked: set[str]) -> StudentLine:
    own = []
    for sid in subject_ids:
        key = (student_id, sid)
        cell, prev = reading.cells.get(key), reading.prev_cells.get(key)
        if cell is None and key not in reading.grades and key not in reading.absences:
            continue
        own.append(StudentSubject(
            subject=reading.names[sid],
            grades=reading.grades.get(key, ""),
            average=None if cell is None or cell.average is None
            else round(float(cell.average), 2),
            period_grade=None if cell is None else cell.period_grade,
            mark=None if cell is None else int(cell.mark),
            previous_mark=None if prev is None else int(prev.mark),
            missed=reading.absences.get(key, (0, 0))[0],
        ))
    missed = sum(s.missed for s in own)
    excused = sum(reading.absences.get((student_id, sid), (0, 0))[1] for sid in subject_ids)
    counts = MarkCounts.tally(s.mark for s in own if s.mark is not None)
    return StudentLine(
        student_id=student_id, name=name, counts=counts,
        average=reading.averages.get(student_id), missed=missed, excused=excused,
        risk=_risk(own, missed, marked), subjects=own,
    )


def _tally(cells: dict[tuple[int, int], Any], index: int) -> dict[int, MarkCounts]:
    """Marks counted per subject (index 1) or per pupil (index 0)."""
    found: dict[int, list[int]] = {}
    for key, row in cells.items():
        found.setdefault(key[index], []).append(int(row.mark))
    return {key: MarkCounts.tally(marks) for key, marks in found.items()}


def _class_report(reading: _Reading, school_class: SchoolClass,
                  people: list[tuple[int, str]]) -> AnalyticalReport:
    """One class's report; `reading` holds only this class's pupils' cells."""
    by_subject, prev_subject = _tally(reading.cells, 1), _tally(reading.prev_cells, 1)
    subject_ids = sorted(
        set(by_subject)
        | {sid for _, sid in reading.grades}
        | {sid for (class_id, sid) in reading.teachers if class_id == school_class.id},
        key=lambda sid: reading.names[sid],
    )
    marked = {reading.names[sid] for sid in by_subject}
    lines = [_student_line(reading, student_id, name, subject_ids, marked)
             for student_id, name in people]
    prev_pupils = list(_tally(reading.prev_cells, 0).values())

    def listed(flag: str) -> list[str]:
        return [line.name for line in lines if getattr(standing_of(line.counts), flag)]

    return AnalyticalReport(
        class_id=school_class.id,
        class_name=school_class.name,
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
    day = _reference_day(period, on)
    class_ids = [c.id for c in classes]
    students = _students(class_ids, day)
    people: dict[int, list[tuple[int, str]]] = {c.id: [] for c in classes}
    for class_id, student_id, last, first, middle in session.execute(
        select(Enrolment.class_id, Student.id, Student.last_name, Student.first_name,
               Student.middle_name)
        .join(Student, Student.id == Enrolment.student_id)
        .where(Enrolment.class_id.in_(class_ids),
               active_on(Enrolment.starts_on, Enrolment.ends_on, day))
        .order_by(Student.last_name, Student.first_name, Student.id)
    ):
        people[class_id].append((student_id, " ".join(p for p in (last, first, middle) if p)))
    before = previous_period(session, period)
    grades, absences = _grades_and_absences(session, students, period)
    teachers = _teachers(session, class_ids, day)
    cells = _pupil_marks(session, students, period)
    subject_ids = {key[1] for key in (*cells, *grades, *teachers)}
    reading = _Reading(
        period=period, before=before, day=day, cells=cells,
        prev_cells=_pupil_marks(session, students, before), grades=grades, absences=absences,
        averages=_overall_averages(cells), teachers=teachers,
        names={row[0]: row[1] for row in session.execute(
            select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids)))},
    )
    class_of = {student_id: class_id for class_id, rows in people.items()
                for student_id, _ in rows}

    def split(cells: dict[tuple[int, int], Any]) -> dict[int, dict[tuple[int, int], Any]]:
        parts: dict[int, dict[tuple[int, int], Any]] = {c.id: {} for c in classes}
        for key, value in cells.items():
            if key[0] in class_of:
                parts[class_of[key[0]]][key] = value
        return parts

    parts = [split(reading.cells), split(reading.prev_cells), split(reading.grades),
             split(reading.absences)]
    return [
        _class_report(replace(reading, cells=parts[0][c.id], prev_cells=parts[1][c.id],
                              grades=parts[2][c.id], absences=parts[3][c.id]),
                      c, people[c.id])
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


# ---------------------------------------------------------------- snapshots


def to_snapshot(report: AnalyticalReport) -> dict[str, Any]:
    """The report as JSON-ready data (what is stored when it is sent)."""
    data = asdict(report)
    data["on"] = report.on.isoformat()
    return data


def _metrics(data: dict[str, Any] | None) -> Metrics | None:
    return None if data is None else Metrics(**data)


def from_snapshot(data: dict[str, Any]) -> AnalyticalReport:
    """The report back from its stored snapshot."""
    return AnalyticalReport(
        **{
            **data,
            "on": date.fromisoformat(data["on"]),
            "overall": Metrics(**data["overall"]),
            "previous_overall": _metrics(data["previous_overall"]),
            "subjects": [
                SubjectLine(**{
                    **line,
                    "counts": MarkCounts(**line["counts"]),
                    "current": Metrics(**line["current"]),
                    "previous": _metrics(line["previous"]),
                })
                for line in data["subjects"]
            ],
            "students": [
                StudentLine(**{
                    **line,
                    "counts": MarkCounts(**line["counts"]),
                    "subjects": [StudentSubject(**item) for item in line["subjects"]],
                })
                for line in data["students"]
            ],
        }
    )


# ---------------------------------------------------------------- sending and reading


def _sender_name(session: Session, actor: Actor) -> str:
    if actor.user_id is None:
        return actor.login
    return session.scalar(
        select(UserAccount.display_name).where(UserAccount.id == actor.user_id)
    ) or actor.login


def send_analytical_report(
    session: Session, actor: Actor, *, class_id: int, period_id: int, on: date
) -> int:
    """Send the report of one class to its class teacher; the id of the sent report."""
    report = analytical_report(session, actor, class_id=class_id, period_id=period_id, on=on)
    sent = SentReport(
        class_id=class_id,
        period_id=period_id,
        sent_by_user_id=actor.user_id,
        sent_by=_sender_name(session, actor),
        snapshot=to_snapshot(report),
    )
    session.add(sent)
    session.flush()
    return sent.id


def send_to_all_classes(session: Session, actor: Actor, *, period_id: int, on: date) -> int:
    """Send every current class's report for the period; how many were sent."""
    require(actor, Action.SEND_ANALYTICAL_REPORT)
    if not actor.is_school_wide_for(Action.SEND_ANALYTICAL_REPORT):
        raise PermissionDenied(OUT_OF_SCOPE)
    period = calendar.get_period(session, period_id)
    classes = session.scalars(
        select(SchoolClass)
        .where(SchoolClass.school_year_id == period.school_year_id)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    if not classes:
        raise DomainError("В учебном году этого периода нет классов.")
    sender = _sender_name(session, actor)
    session.add_all(
        SentReport(class_id=report.class_id, period_id=period_id, sent_by_user_id=actor.user_id,
                   sent_by=sender, snapshot=to_snapshot(report))
        for report in build_reports(session, classes=list(classes), period=period, on=on)
    )
    session.flush()
    return len(classes)


@dataclass(frozen=True)
class SentRow:
    """A sent report as the lists show it."""

    report_id: int
    class_name: str
    period: str
    sent_at: datetime
    sent_by: str
    read_at: datetime | None
    read_by: str | None


def _in_scope(actor: Actor) -> Any:
    """Which sent reports the actor reaches: all school-wide, else those of own classes."""
    if actor.is_school_wide_for(Action.VIEW_ANALYTICAL_REPORT):
        return true()
    return SentReport.class_id.in_(own_class_ids_query(actor))


def sent_reports(session: Session, actor: Actor, *, unread_only: bool = False) -> list[SentRow]:
    """The sent reports the actor may read, newest first, with who read them and when."""
    require(actor, Action.VIEW_ANALYTICAL_REPORT)
    reader = UserAccount.__table__.alias("reader")
    query = (
        select(
            SentReport.id, SchoolClass.grade, SchoolClass.letter, ReportingPeriod.name,
            SentReport.sent_at, SentReport.sent_by, SentReport.read_at, reader.c.display_name,
        )
        .join(SchoolClass, SchoolClass.id == SentReport.class_id)
        .join(ReportingPeriod, ReportingPeriod.id == SentReport.period_id)
        .outerjoin(reader, reader.c.id == SentReport.read_by_user_id)
        .where(_in_scope(actor))
        .order_by(SentReport.sent_at.desc(), SentReport.id.desc())
    )
    if unread_only:
        query = query.where(SentReport.read_at.is_(None))
    return [
        SentRow(row[0], f"{row[1]}{row[2]}", row[3], row[4], row[5], row[6], row[7])
        for row in session.execute(query)
    ]


def _reachable(session: Session, actor: Actor, report_id: int) -> SentReport:
    require(actor, Action.VIEW_ANALYTICAL_REPORT)
    sent = session.scalar(select(SentReport).where(SentReport.id == report_id, _in_scope(actor)))
    if sent is None:
        # The same answer for a report that does not exist and one of another class.
        raise NotFound("Отчёт не найден.")
    return sent


def open_sent_report(session: Session, actor: Actor, *, report_id: int) -> AnalyticalReport:
    """A sent report as it was sent (a read; `mark_read` records the class teacher's opening)."""
    return from_snapshot(_reachable(session, actor, report_id).snapshot)


def mark_read(session: Session, actor: Actor, *, report_id: int) -> bool:
    """Record that the class teacher opened the report; False if not theirs or read before."""
    sent = _reachable(session, actor, report_id)
    own = session.scalar(
        select(SchoolClass.id).where(
            SchoolClass.id == sent.class_id, SchoolClass.id.in_(own_class_ids_query(actor))
        )
    )
    if own is None:
        return False  # the deputy head looking at a sent report does not read it for them
    # Conditional: of two tabs opening it at once, the first reading stays.
    result = session.execute(
        update(SentReport)
        .where(SentReport.id == report_id, SentReport.read_at.is_(None))
        .values(read_at=utcnow(), read_by_user_id=actor.user_id)
    )
    return bool(getattr(result, "rowcount", 0))
