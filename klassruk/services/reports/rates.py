"""Acknowledgement rates: the share of a class's families who acknowledged each school week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.families import AckKind, Acknowledgement
from klassruk.models.school import Enrolment, GuardianLink, Relation, SchoolClass
from klassruk.services import calendar
from klassruk.services.scope.classes import OUT_OF_SCOPE, active_on
from klassruk.services.scope.links import link_current_on

MAX_RANGE_DAYS = 400


@dataclass(frozen=True)
class WeekRate:
    """The share of the class's families who acknowledged a school week."""

    week_start: date
    acknowledged: int
    families: int

    @property
    def rate(self) -> float | None:
        return None if self.families == 0 else round(self.acknowledged / self.families * 100, 1)


def school_weeks(session: Session, starts_on: date, ends_on: date, on: date) -> list[date]:
    """Mondays of the weeks in the range up to today's week, without weeks wholly on holiday."""
    if starts_on > ends_on:
        raise DomainError("Дата «с» позже даты «по».")
    if (ends_on - starts_on).days > MAX_RANGE_DAYS:
        raise DomainError(f"Отчёт — не больше чем за {MAX_RANGE_DAYS} дней.")
    first, last = calendar.week_start(starts_on), calendar.week_start(min(ends_on, on))
    off = calendar.holiday_dates(session, first, last + timedelta(days=4))
    weeks = []
    monday = first
    while monday <= last:
        if any(monday + timedelta(days=d) not in off for d in range(5)):
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def family_links(class_ids: Any, on: date) -> Select[int, int, int, Relation]:
    """(class, guardian, student, relation) of the class's current pupils, links in force."""
    return (
        select(Enrolment.class_id, GuardianLink.guardian_id, GuardianLink.student_id,
               GuardianLink.relation)
        .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
        .where(
            Enrolment.class_id.in_(class_ids),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            link_current_on(on),
        )
    )


def weekly_rates(
    session: Session, class_ids: Any, weeks: list[date], on: date
) -> dict[int, list[WeekRate]]:
    """Per class and week: families (guardian and child) who acknowledged the week, of all.

    A helper without an actor: its callers check the scope first.
    """
    links = family_links(class_ids, on).subquery()
    families: dict[int, int] = {
        row[0]: int(row[1])
        for row in session.execute(
            select(links.c.class_id, func.count()).group_by(links.c.class_id)
        )
    }
    signed = (
        select(links.c.class_id, Acknowledgement.week_start, Acknowledgement.guardian_id,
               Acknowledgement.student_id)
        .join(links, and_(links.c.guardian_id == Acknowledgement.guardian_id,
                          links.c.student_id == Acknowledgement.student_id))
        .where(Acknowledgement.kind == AckKind.WEEK, Acknowledgement.week_start.in_(weeks))
        .distinct()
        .subquery()
    )
    done: dict[tuple[int, date], int] = {
        (class_id, week): int(count)
        for class_id, week, count in session.execute(
            select(signed.c.class_id, signed.c.week_start, func.count())
            .group_by(signed.c.class_id, signed.c.week_start)
        )
    } if weeks else {}
    return {
        class_id: [WeekRate(week, done.get((class_id, week), 0), int(total)) for week in weeks]
        for class_id, total in families.items()
    }


@dataclass(frozen=True)
class ClassRates:
    """A class's acknowledgement rate by week, for the deputy head's comparison."""

    class_id: int
    class_name: str
    rates: list[WeekRate]


def classes_compared(
    session: Session, actor: Actor, *, starts_on: date, ends_on: date, on: date
) -> list[ClassRates]:
    """Every current class's weekly acknowledgement rate (school-wide actors only)."""
    if not actor.is_school_wide_for(Action.VIEW_ACTIVITY_REPORT):
        raise PermissionDenied(OUT_OF_SCOPE)
    weeks = school_weeks(session, starts_on, ends_on, on)
    classes = session.execute(
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .where(calendar.in_current_year(SchoolClass.school_year_id))
        .order_by(SchoolClass.grade, SchoolClass.letter)
    ).all()
    ids = [row[0] for row in classes]
    rates = weekly_rates(session, ids, weeks, on)
    return [
        ClassRates(class_id, f"{grade}{letter}", rates.get(class_id, []))
        for class_id, grade, letter in classes
    ]
