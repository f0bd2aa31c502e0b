"""The school calendar: reporting periods (open/closed) and holidays."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, NotFound
from klassruk.infra.db import read_only_cache
from klassruk.models.school import Holiday, ReportingPeriod, SchoolYear
from klassruk.services.locking import lock_or_404, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.notifications import events
from klassruk.services.school_settings import school_today
from klassruk.text.formatting import format_date

NO_CURRENT_YEAR = "Текущий учебный год не задан."


def in_current_year(year_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL condition: `year_id` is the school year marked current (the one place that asks)."""
    return year_id.in_(select(SchoolYear.id).where(SchoolYear.is_current))


def find_current_year(session: Session) -> SchoolYear | None:
    """The current school year; None before the first year is set up."""
    return session.scalar(select(SchoolYear).where(in_current_year(SchoolYear.id)))


def current_year(session: Session) -> SchoolYear:
    """The current school year, or a clear error."""
    year = find_current_year(session)
    if year is None:
        raise NotFound(NO_CURRENT_YEAR)
    return year


@dataclass(frozen=True)
class PeriodRef:
    """A reporting period as lists show it."""

    period_id: int
    name: str
    starts_on: date
    ends_on: date
    is_closed: bool

    @property
    def label(self) -> str:
        closed = " (закрыт)" if self.is_closed else ""
        return f"{self.name}: {format_date(self.starts_on)}–{format_date(self.ends_on)}{closed}"


@dataclass(frozen=True)
class YearRef:
    """A school year as a picker shows it: the current one, or one closed by the rollover."""

    year_id: int
    name: str
    is_current: bool


def list_years(session: Session) -> list[YearRef]:
    """The current year first, then the closed years, newest first (their journals stay)."""
    return [
        YearRef(year_id, name, is_current)
        for year_id, name, is_current in session.execute(_years())
    ]


# Both lists are read by the pickers of most screens: columns, not entities, and statements
# built once skip the ORM's loading and SQLAlchemy's construction and cache-key work.
@cache
def _years() -> Select[int, str, bool]:
    return (
        select(SchoolYear.id, SchoolYear.name, SchoolYear.is_current)
        .where(SchoolYear.is_current | SchoolYear.closed_at.is_not(None))
        .order_by(SchoolYear.is_current.desc(), SchoolYear.starts_on.desc())
    )


@cache
def _periods(of_current_year: bool) -> Select[int, str, date, date, bool]:
    in_year = (
        in_current_year(ReportingPeriod.school_year_id)
        if of_current_year
        else ReportingPeriod.school_year_id == bindparam("year_id")
    )
    return (
        select(
            ReportingPeriod.id, ReportingPeriod.name, ReportingPeriod.starts_on,
            ReportingPeriod.ends_on, ReportingPeriod.is_closed,
        )
        .where(in_year)
        .order_by(ReportingPeriod.starts_on)
    )


def list_periods(session: Session, *, year_id: int | None = None) -> list[PeriodRef]:
    """A year's reporting periods in order, the current year's unless told (public calendar)."""
    # A page's period picker and its services ask in the same run: read them once.
    known = read_only_cache(session, "periods")
    key = "current" if year_id is None else year_id
    if key not in known:
        rows = session.execute(_periods(year_id is None), {"year_id": year_id})
        known[key] = [
            PeriodRef(period_id, name, starts_on, ends_on, is_closed)
            for period_id, name, starts_on, ends_on, is_closed in rows
        ]
    return list(known[key])


def get_period(session: Session, period_id: int) -> ReportingPeriod:
    """A period by id, or NotFound."""
    period = get_or_404(session, ReportingPeriod, period_id, "Учебный период не найден.")
    return period


def period_on(session: Session, on: date) -> ReportingPeriod | None:
    """The reporting period containing a date (None in holidays between periods)."""
    return session.scalar(
        select(ReportingPeriod)
        .where(ReportingPeriod.starts_on <= on, ReportingPeriod.ends_on >= on)
        .order_by(in_current_year(ReportingPeriod.school_year_id).desc())
    )


def period_for_today(session: Session, on: date) -> PeriodRef | None:
    """The period of `on`, else the last one begun before it, else the first."""
    periods = list_periods(session)
    begun = [p for p in periods if p.starts_on <= on]
    if begun:
        return begun[-1]
    return periods[0] if periods else None


def not_ended(name: str, ends_on: date) -> str:
    """Why a period that has not ended cannot be closed yet."""
    return (
        f"Период «{name}» ещё не закончился (он длится по {format_date(ends_on)}): закрыть его "
        "можно после окончания, когда журнал за него заполнен."
    )


def set_period_closed(session: Session, actor: Actor, *, period_id: int, closed: bool) -> None:
    """Close an ended period (teachers can no longer edit it) or reopen it (deputy head)."""
    require(actor, Action.MANAGE_CALENDAR)
    period = get_period(session, period_id)
    if period.school_year.closed_at is not None:
        raise DomainError(f"Учебный год {period.school_year.name} закрыт: периоды не меняются.")
    # A closed period freezes its journal: one still to come would be frozen before it is filled.
    if closed and period.ends_on > school_today(session):
        raise DomainError(not_ended(period.name, period.ends_on))
    period.is_closed = closed
    session.flush()


def _named_range(
    year: SchoolYear, name: str, starts_on: date, ends_on: date, *, texts: tuple[str, str, str]
) -> str:
    """The trimmed name of a new period or holiday; refused (texts: why) if empty or outside."""
    no_name, reversed_dates, outside = texts
    name = name.strip()
    if not name:
        raise DomainError(no_name)
    if starts_on > ends_on:
        raise DomainError(reversed_dates)
    if starts_on < year.starts_on or ends_on > year.ends_on:
        raise DomainError(f"{outside} {year.name}.")
    return name


def add_period(
    session: Session, actor: Actor, *, name: str, starts_on: date, ends_on: date
) -> ReportingPeriod:
    """Add a reporting period to the current year; periods must not overlap."""
    require(actor, Action.MANAGE_CALENDAR)
    year = current_year(session)
    name = _named_range(
        year,
        name,
        starts_on,
        ends_on,
        texts=(
            "Укажите название периода.",
            "Период начинается позже, чем заканчивается.",
            "Период должен лежать внутри учебного года",
        ),
    )
    for other in list_periods(session):
        if other.name == name:
            raise DomainError(f"Период «{name}» уже есть.")
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise DomainError(f"Период пересекается с периодом «{other.name}».")
    period = ReportingPeriod(
        school_year_id=year.id, name=name, starts_on=starts_on, ends_on=ends_on
    )
    session.add(period)
    session.flush()
    return period


@dataclass(frozen=True)
class HolidayRef:
    """Holidays as lists show them."""

    holiday_id: int
    name: str
    starts_on: date
    ends_on: date


def list_holidays(session: Session) -> list[HolidayRef]:
    """The current year's holidays and days off in order (public calendar information)."""
    year = find_current_year(session)
    if year is None:
        return []
    return [
        HolidayRef(h.id, h.name, h.starts_on, h.ends_on)
        for h in session.scalars(
            select(Holiday).where(Holiday.school_year_id == year.id).order_by(Holiday.starts_on)
        )
    ]


def add_holiday(
    session: Session, actor: Actor, *, name: str, starts_on: date, ends_on: date
) -> Holiday:
    """Add holidays or a day off to the current year."""
    require(actor, Action.MANAGE_CALENDAR)
    year = current_year(session)
    name = _named_range(
        year,
        name,
        starts_on,
        ends_on,
        texts=(
            "Укажите название каникул или выходного дня.",
            "Каникулы начинаются позже, чем заканчиваются.",
            "Даты должны лежать внутри учебного года",
        ),
    )
    holiday = Holiday(school_year_id=year.id, name=name, starts_on=starts_on, ends_on=ends_on)
    session.add(holiday)
    session.flush()
    events.emit(session, [events.holiday_event(name=name, starts_on=starts_on, ends_on=ends_on)])
    return holiday


@read_modify_write("the holiday row locked: a second delete finds it gone")
def delete_holiday(session: Session, actor: Actor, *, holiday_id: int) -> None:
    """Remove holidays entered by mistake."""
    require(actor, Action.MANAGE_CALENDAR)
    holiday = lock_or_404(
        session,
        Holiday,
        holiday_id,
        "Каникулы не найдены: возможно, их только что удалили в другом сеансе.",
    )
    session.delete(holiday)
    session.flush()


def holiday_dates(session: Session, starts_on: date, ends_on: date) -> set[date]:
    """Every date in [starts_on, ends_on] that falls into holidays or a day off."""
    days: set[date] = set()
    for start, end in session.execute(
        select(Holiday.starts_on, Holiday.ends_on).where(
            Holiday.starts_on <= ends_on, Holiday.ends_on >= starts_on
        )
    ):
        day = max(start, starts_on)
        while day <= min(end, ends_on):
            days.add(day)
            day += timedelta(days=1)
    return days


def holiday_on(session: Session, on: date) -> str | None:
    """The name of the holidays containing `on`, if any."""
    return session.scalar(
        select(Holiday.name).where(Holiday.starts_on <= on, Holiday.ends_on >= on).limit(1)
    )


def check_school_day(session: Session, on: date) -> ReportingPeriod:
    """The period of a school day; refuse holidays, Sundays and dates outside every period."""
    name = holiday_on(session, on)
    if name:
        raise DomainError(f"{format_date(on)} — {name}: уроков в этот день нет.")
    if on.weekday() == 6:
        raise DomainError(f"{format_date(on)} — воскресенье: уроков в этот день нет.")
    period = period_on(session, on)
    if period is None:
        raise DomainError(f"{format_date(on)} не входит ни в один учебный период.")
    return period


def week_start(on: date) -> date:
    """Monday of the school week containing `on`."""
    return on - timedelta(days=on.weekday())


def coming_week_start(on: date) -> date:
    """Monday of this week on a weekday; on Saturday or Sunday, of the week ahead."""
    return week_start(on + timedelta(days=2) if on.weekday() >= 5 else on)


def dates_between(starts_on: date, ends_on: date) -> Iterable[date]:
    """Every date from `starts_on` to `ends_on` inclusive."""
    day = starts_on
    while day <= ends_on:
        yield day
        day += timedelta(days=1)
