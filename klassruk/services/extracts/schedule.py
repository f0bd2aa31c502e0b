"""How often paper families get an extract, and which are due one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.models.extracts import ExtractFrequency, ExtractSchedule, PaperExtract
from klassruk.models.school import ReportingPeriod, SchoolClass
from klassruk.services.calendar import in_current_year
from klassruk.services.consent.register import class_consent
from klassruk.services.extracts.printing import Family
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.scope.classes import own_class_ids_query, require_class_scope


@read_modify_write("the class row locked before the schedule is looked up")
def set_schedule(session: Session, actor: Actor, *, class_id: int,
                 frequency: ExtractFrequency, starts_on: date) -> None:
    """How often the class's paper families get an extract."""
    require_class_scope(session, actor, class_id, Action.PRINT_EXTRACTS)
    # Two first schedules at once: the second waits, then finds the first and updates it.
    lock_rows(session, SchoolClass, [class_id])
    schedule = session.get(ExtractSchedule, class_id)
    if schedule is None:
        session.add(ExtractSchedule(class_id=class_id, frequency=frequency, starts_on=starts_on,
                                    set_by=actor.login[:80]))
    else:
        schedule.frequency, schedule.starts_on = frequency, starts_on
        schedule.set_by, schedule.set_at = actor.login[:80], utcnow()
    session.flush()


def schedule_of(session: Session, actor: Actor, *, class_id: int) -> ExtractSchedule | None:
    """The class's schedule, if set."""
    require_class_scope(session, actor, class_id, Action.VIEW_EXTRACTS)
    return session.get(ExtractSchedule, class_id)


def due_range(session: Session, schedule: ExtractSchedule, on: date) -> tuple[date, date] | None:
    """The latest finished unit of the schedule (a week, two weeks, a period) before `on`."""
    if schedule.frequency is ExtractFrequency.PERIOD:
        period = session.scalars(
            select(ReportingPeriod)
            .where(in_current_year(ReportingPeriod.school_year_id), ReportingPeriod.ends_on < on)
            .order_by(ReportingPeriod.ends_on.desc())
            .limit(1)
        ).first()
        return (period.starts_on, period.ends_on) if period else None
    length = 7 if schedule.frequency is ExtractFrequency.WEEKLY else 14
    if on <= schedule.starts_on + timedelta(days=length - 1):
        return None
    units = (on - schedule.starts_on).days // length
    start = schedule.starts_on + timedelta(days=(units - 1) * length)
    return start, start + timedelta(days=length - 1)


@dataclass(frozen=True)
class DueExtracts:
    """A class whose paper families are due an extract for a range."""

    class_id: int
    class_name: str
    date_from: date
    date_to: date
    families: list[Family]


def due_extracts(session: Session, actor: Actor, *, on: date) -> list[DueExtracts]:
    """For the actor's own classes: paper families with no extract yet for the due range."""
    due: list[DueExtracts] = []
    for school_class, schedule in session.execute(
        select(SchoolClass, ExtractSchedule)
        .join(ExtractSchedule, ExtractSchedule.class_id == SchoolClass.id)
        .where(
            in_current_year(SchoolClass.school_year_id),
            SchoolClass.id.in_(own_class_ids_query(actor)),
        )
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ):
        span = due_range(session, schedule, on)
        if span is None:
            continue
        board = class_consent(session, actor, class_id=school_class.id, on=on)
        printed = set(
            session.execute(
                select(PaperExtract.guardian_id, PaperExtract.student_id).where(
                    PaperExtract.class_id == school_class.id,
                    and_(PaperExtract.date_from <= span[0], PaperExtract.date_to >= span[1]),
                )
            )
        )
        families = [
            Family(p.guardian_id, p.student_id)
            for p in board.paper
            if (p.guardian_id, p.student_id) not in printed
        ]
        if families:
            due.append(DueExtracts(school_class.id, school_class.name, span[0], span[1], families))
    return due
