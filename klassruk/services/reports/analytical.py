"""The deputy head's analytical report of a class for a period, sent to the class teacher.

Everything is aggregated in SQL (one CTE of the pupils' period marks, grouped by subject and by
pupil); Python only shapes the rows. What is sent is kept as a snapshot, so the class teacher
reads exactly the numbers the deputy head sent, and the deputy head sees when it was read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
from klassruk.services.class_journal import AT_RISK_ABSENCES
from klassruk.services.lookup import get_or_404
from klassruk.services.reports.metrics import (
    MarkCounts,
    Metrics,
    class_metrics,
    counts_by_student,
    counts_by_subject,
    metrics_of,
    period_marks,
    standing_of,
)
from klassruk.services.scope import (
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


def _students(class_id: int, on: date) -> Select[Any]:
    return select(Enrolment.student_id).where(
        Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )


def _reference_day(period: ReportingPeriod, on: date) -> date:
    """The pupils of the report: those in the class at the period's end, or today if earlier."""
    return max(period.starts_on, min(period.ends_on, on))


def _pupil_marks(
    session: Session, students: Select[Any], period: ReportingPeriod
) -> tuple[dict[int, MarkCounts], dict[int, MarkCounts], dict[tuple[int, int], Any]]:
    """By subject and by pupil the counts of marks; per (pupil, subject) the mark row."""
    marks = period_marks(students, period)
    by_subject_raw: dict[int, dict[int, int]] = {}
    for subject_id, mark, count in session.execute(counts_by_subject(marks)):
        by_subject_raw.setdefault(subject_id, {})[int(mark)] = int(count)
    by_subject = {key: MarkCounts.of_values(value) for key, value in by_subject_raw.items()}
    by_student = {
        row[0]: MarkCounts(*(int(n) for n in row[1:]))
        for row in session.execute(counts_by_student(marks))
    }
    cells = {
        (row.student_id, row.subject_id): row
        for row in session.execute(select(marks))
    }
    return by_subject, by_student, cells


def _teachers(session: Session, students: Select[Any], on: date) -> dict[int, list[str]]:
    """Per subject the teachers of the class's groups (whole class, subgroups, streams)."""
    groups = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(students),
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    rows = session.execute(
        select(TeachingAssignment.subject_id, Staff.last_name, Staff.first_name,
               Staff.middle_name)
        .join(Staff, Staff.id == TeachingAssignment.staff_id)
        .where(TeachingAssignment.group_id.in_(groups))
        .distinct()
        .order_by(Staff.last_name)
    )
    found: dict[int, list[str]] = {}
    for subject_id, last, first, middle in rows:
        initials = "".join(f"{p[0]}." for p in (first, middle) if p)
        found.setdefault(subject_id, []).append(f"{last} {initials}".strip())
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


def _overall_averages(
    session: Session, students: Select[Any], period: ReportingPeriod
) -> dict[int, float]:
    """Per pupil the weighted average of every grade of the period."""
    return {
        student_id: round(float(value), 2)
        for student_id, value in session.execute(
            select(Grade.student_id, func.sum(Grade.value * Grade.weight) / func.sum(Grade.weight))
            .join(Lesson, Lesson.id == Grade.lesson_id)
            .where(
                Grade.student_id.in_(students),
                Lesson.lesson_date.between(period.starts_on, period.ends_on),
            )
            .group_by(Grade.student_id)
        )
    }


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


def build_report(
    session: Session, *, school_class: SchoolClass, period: ReportingPeriod, on: date
) -> AnalyticalReport:
    """The report of a class; the caller has checked the scope."""
    day = _reference_day(period, on)
    students = _students(school_class.id, day)
    people = session.execute(
        select(Student.id, Student.last_name, Student.first_name, Student.middle_name)
        .where(Student.id.in_(students))
        .order_by(Student.last_name, Student.first_name, Student.id)
    ).all()
    by_subject, by_student, cells = _pupil_marks(session, students, period)
    before = previous_period(session, period)
    if before is not None:
        prev_subject, prev_student, prev_cells = _pupil_marks(session, students, before)
    else:
        prev_subject, prev_student, prev_cells = {}, {}, {}
    grades, absences = _grades_and_absences(session, students, period)
    averages = _overall_averages(session, students, period)
    teachers = _teachers(session, students, day)
    subject_ids = set(by_subject) | {key[1] for key in grades} | set(teachers)
    names: dict[int, str] = {
        row[0]: row[1]
        for row in session.execute(
            select(Subject.id, Subject.name).where(Subject.id.in_(subject_ids))
        )
    }
    ordered_subjects = sorted(subject_ids, key=lambda sid: names[sid])
    subjects = [
        SubjectLine(
            subject=names[sid],
            teachers=", ".join(teachers.get(sid, [])),
            counts=by_subject.get(sid, MarkCounts()),
            current=metrics_of(by_subject.get(sid, MarkCounts())),
            previous=metrics_of(prev_subject[sid]) if sid in prev_subject else None,
            unmarked=len(people) - by_subject.get(sid, MarkCounts()).total,
        )
        for sid in ordered_subjects
    ]
    marked_subjects = {names[sid] for sid in by_subject}
    lines = []
    for student_id, last, first, middle in people:
        name = " ".join(p for p in (last, first, middle) if p)
        own = []
        for sid in ordered_subjects:
            key = (student_id, sid)
            cell, prev = cells.get(key), prev_cells.get(key)
            if cell is None and key not in grades and key not in absences:
                continue
            own.append(StudentSubject(
                subject=names[sid],
                grades=grades.get(key, ""),
                average=None if cell is None or cell.average is None
                else round(float(cell.average), 2),
                period_grade=None if cell is None else cell.period_grade,
                mark=None if cell is None else int(cell.mark),
                previous_mark=None if prev is None else int(prev.mark),
                missed=absences.get(key, (0, 0))[0],
            ))
        missed = sum(v[0] for k, v in absences.items() if k[0] == student_id)
        excused = sum(v[1] for k, v in absences.items() if k[0] == student_id)
        lines.append(StudentLine(
            student_id=student_id, name=name, counts=by_student.get(student_id, MarkCounts()),
            average=averages.get(student_id), missed=missed, excused=excused,
            risk=_risk(own, missed, marked_subjects), subjects=own,
        ))

    def listed(flag: str) -> list[str]:
        return [line.name for line in lines if getattr(standing_of(line.counts), flag)]

    return AnalyticalReport(
        class_id=school_class.id,
        class_name=school_class.name,
        period_id=period.id,
        period=period.name,
        previous_period=None if before is None else before.name,
        on=day,
        overall=class_metrics(by_student.values()),
        previous_overall=None if before is None else class_metrics(prev_student.values()),
        subjects=subjects,
        excellent=listed("excellent"),
        good=listed("good"),
        one_four=listed("one_four"),
        one_three=listed("one_three"),
        failing=listed("failing"),
        missed=sum(line.missed for line in lines),
        excused=sum(line.excused for line in lines),
        students=lines,
    )


def analytical_report(
    session: Session, actor: Actor, *, class_id: int, period_id: int, on: date
) -> AnalyticalReport:
    """The live report of a class for a period (the deputy head, before sending it)."""
    require_class_scope(session, actor, class_id, Action.SEND_ANALYTICAL_REPORT)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    period = calendar.get_period(session, period_id)
    return build_report(session, school_class=school_class, period=period, on=on)


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
        select(SchoolClass.id)
        .where(SchoolClass.school_year_id == period.school_year_id)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    if not classes:
        raise DomainError("В учебном году этого периода нет классов.")
    for class_id in classes:
        send_analytical_report(session, actor, class_id=class_id, period_id=period_id, on=on)
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
