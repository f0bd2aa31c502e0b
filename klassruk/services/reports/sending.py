"""Analytical reports sent to class teachers: kept as sent (a snapshot), and who read them."""

# What is sent is kept as a snapshot, so the class teacher reads exactly the numbers the deputy
# head sent, and the deputy head sees when it was read.

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, true, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.reports import SentReport
from klassruk.models.school import ReportingPeriod, SchoolClass
from klassruk.services import calendar
from klassruk.services.reports.analytical import (
    AnalyticalReport,
    StudentLine,
    StudentSubject,
    SubjectLine,
    analytical_report,
    build_reports,
)
from klassruk.services.reports.metrics import MarkCounts, Metrics
from klassruk.services.scope.classes import OUT_OF_SCOPE, own_class_ids_query


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

