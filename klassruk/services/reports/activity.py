"""The activity and acknowledgement report: who of the families has seen what, and how."""

# Per guardian and child of the class (links in force on the day): the account's state, the last
# login, logins and cabinet sections opened in the chosen weeks (the narrow family activity log),
# school weeks acknowledged and pending with the channel, important items (period grades,
# recommendations) never acknowledged, consent and delivery route, e-mails and SMS delivered and
# given up on, and flags to act on. Counts come from SQL GROUP BY; Python joins the small results.

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import CONSENT_STATE_TITLES, ConsentSubject
from klassruk.models.families import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyActivity,
    FamilyEvent,
)
from klassruk.models.journal import PeriodGrade, Recommendation
from klassruk.models.notifications import DeliveryStatus, Notification
from klassruk.models.school import (
    RELATION_TITLES,
    Enrolment,
    Guardian,
    GuardianLink,
    ReportingPeriod,
    SchoolClass,
    Student,
)
from klassruk.services import calendar
from klassruk.services.delivery import Route, decide_for, latest_entries, state_of
from klassruk.services.lookup import get_or_404
from klassruk.services.reports.rates import WeekRate, family_links, school_weeks, weekly_rates
from klassruk.services.scope.classes import active_on, require_class_scope
from klassruk.text.russian import agree_with

# From this many days without any acknowledgement a family is flagged.
SILENT_DAYS = 14

SECTION_TITLES: dict[str, str] = {
    "home": "главная", "grades": "оценки", "homework": "домашние задания",
    "timetable": "расписание", "tests": "контрольные", "absences": "пропуски",
    "recs": "рекомендации", "acks": "ознакомление", "teachers": "учителя",
    "calendar": "каникулы",
}


class AccountState(enum.StrEnum):
    """A guardian's account as the report shows it."""

    NO_ACCOUNT = "no_account"
    ISSUED = "issued"
    ACTIVE = "active"
    BLOCKED = "blocked"


ACCOUNT_STATE_TITLES: dict[AccountState, str] = {
    AccountState.NO_ACCOUNT: "нет учётной записи (код не выдан)",
    AccountState.ISSUED: "код выдан, не активирована",
    AccountState.ACTIVE: "активна",
    AccountState.BLOCKED: "заблокирована",
}


class Flag(enum.StrEnum):
    """What the class teacher should act on."""

    NEVER_LOGGED_IN = "never_logged_in"
    SILENT = "silent"
    PENDING_ITEMS = "pending_items"
    FAILED_DELIVERY = "failed_delivery"


# «Ни разу не входил(а)» is said by `flag_title`, in the guardian's gender.
FLAG_TITLES: dict[Flag, str] = {
    Flag.SILENT: f"нет подтверждений {SILENT_DAYS} дней и больше",
    Flag.PENDING_ITEMS: "не подтверждены итоговые отметки или рекомендации",
    Flag.FAILED_DELIVERY: "не доставлены письма или SMS",
}


def flag_title(flag: Flag, guardian: str) -> str:
    """What to act on, in the named guardian's gender where it has one («ни разу не входила»)."""
    if flag is Flag.NEVER_LOGGED_IN:
        return "ни разу не " + agree_with(guardian, "входил", "входила")
    return FLAG_TITLES[flag]


@dataclass(frozen=True)
class FamilyRow:
    """One guardian and one child of the class in the chosen weeks."""

    guardian_id: int
    student_id: int
    guardian: str
    child: str
    relation: str
    account: AccountState
    last_login_at: datetime | None
    logins: int
    screens: int
    sections: tuple[str, ...]
    weeks_acknowledged: int
    weeks_pending: int
    channels: dict[AckChannel, int]
    last_acknowledged_at: datetime | None
    pending_items: int
    consent: str
    route: Route
    route_reason: str
    # E-mails and SMS to the guardian's account in the weeks: delivered, and given up on.
    notifications_sent: int = 0
    notifications_failed: int = 0
    flags: tuple[Flag, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ActivityReport:
    """The class's families over the chosen weeks."""

    class_id: int
    class_name: str
    starts_on: date
    ends_on: date
    weeks: list[date]
    rows: list[FamilyRow]
    rates: list[WeekRate]


def _day_bounds(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    # UTC bounds of the days: a day's edge in the school's zone moves an item by hours at most.
    return (datetime.combine(starts_on, time(), UTC),
            datetime.combine(ends_on + timedelta(days=1), time(), UTC))


def _activity(
    session: Session, class_id: int, weeks: list[date]
) -> tuple[
    dict[tuple[int, int | None], dict[str, int]], dict[tuple[int, int | None], set[str]]
]:
    """Per (user, child): logins and screens in the weeks; the sections opened."""
    counts: dict[tuple[int, int | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sections: dict[tuple[int, int | None], set[str]] = defaultdict(set)
    if not weeks:
        return counts, sections
    for user_id, student_id, event, section, count in session.execute(
        select(FamilyActivity.user_id, FamilyActivity.student_id, FamilyActivity.event,
               FamilyActivity.section, func.count())
        .where(FamilyActivity.class_id == class_id,
               FamilyActivity.week_start.between(weeks[0], weeks[-1]),
               FamilyActivity.event.in_([FamilyEvent.LOGIN, FamilyEvent.SCREEN]))
        .group_by(FamilyActivity.user_id, FamilyActivity.student_id, FamilyActivity.event,
                  FamilyActivity.section)
    ):
        counts[(user_id, student_id)][event] += int(count)
        if event is FamilyEvent.SCREEN and section:
            sections[(user_id, student_id)].add(section)
    return counts, sections


def _acknowledgements(
    session: Session, students: Any, weeks: list[date], starts_on: date, ends_on: date
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[AckChannel, int]],
           dict[tuple[int, int], datetime]]:
    """Per (guardian, child): weeks acknowledged, acknowledgements by channel, the latest."""
    weeks_done: dict[tuple[int, int], int] = {}
    channels: dict[tuple[int, int], dict[AckChannel, int]] = defaultdict(dict)
    if weeks:
        for guardian_id, student_id, count in session.execute(
            select(Acknowledgement.guardian_id, Acknowledgement.student_id,
                   func.count(func.distinct(Acknowledgement.week_start)))
            .where(Acknowledgement.student_id.in_(students),
                   Acknowledgement.kind == AckKind.WEEK,
                   Acknowledgement.week_start.in_(weeks))
            .group_by(Acknowledgement.guardian_id, Acknowledgement.student_id)
        ):
            weeks_done[(guardian_id, student_id)] = int(count)
    since, until = _day_bounds(starts_on, ends_on)
    in_range = or_(
        and_(Acknowledgement.kind == AckKind.WEEK,
             Acknowledgement.week_start.between(calendar.week_start(starts_on), ends_on)),
        and_(Acknowledgement.kind != AckKind.WEEK,
             Acknowledgement.acknowledged_at >= since, Acknowledgement.acknowledged_at < until),
    )
    for guardian_id, student_id, channel, count in session.execute(
        select(Acknowledgement.guardian_id, Acknowledgement.student_id, Acknowledgement.channel,
               func.count())
        .where(Acknowledgement.student_id.in_(students), in_range)
        .group_by(Acknowledgement.guardian_id, Acknowledgement.student_id,
                  Acknowledgement.channel)
    ):
        channels[(guardian_id, student_id)][channel] = int(count)
    latest = {
        (guardian_id, student_id): at
        for guardian_id, student_id, at in session.execute(
            select(Acknowledgement.guardian_id, Acknowledgement.student_id,
                   func.max(Acknowledgement.acknowledged_at))
            .where(Acknowledgement.student_id.in_(students))
            .group_by(Acknowledgement.guardian_id, Acknowledgement.student_id)
        )
    }
    return weeks_done, channels, latest


def _pending_items(session: Session, students: Any, year_id: int) -> dict[tuple[int, int], int]:
    """Per (guardian, child): period grades of the year and recommendations never acknowledged."""
    pending: dict[tuple[int, int], int] = defaultdict(int)

    def unsigned(kind: AckKind, item_id: Any) -> Any:
        return ~select(Acknowledgement.id).where(
            Acknowledgement.guardian_id == GuardianLink.guardian_id,
            Acknowledgement.student_id == GuardianLink.student_id,
            Acknowledgement.kind == kind,
            Acknowledgement.item_id == item_id,
        ).exists()

    grades = (
        select(GuardianLink.guardian_id, GuardianLink.student_id, func.count())
        .join(PeriodGrade, PeriodGrade.student_id == GuardianLink.student_id)
        .join(ReportingPeriod, ReportingPeriod.id == PeriodGrade.period_id)
        .where(GuardianLink.student_id.in_(students), ReportingPeriod.school_year_id == year_id,
               unsigned(AckKind.PERIOD_GRADE, PeriodGrade.id))
        .group_by(GuardianLink.guardian_id, GuardianLink.student_id)
    )
    advice = (
        select(GuardianLink.guardian_id, GuardianLink.student_id, func.count())
        .join(Recommendation, Recommendation.student_id == GuardianLink.student_id)
        .where(GuardianLink.student_id.in_(students),
               unsigned(AckKind.RECOMMENDATION, Recommendation.id))
        .group_by(GuardianLink.guardian_id, GuardianLink.student_id)
    )
    for query in (grades, advice):
        for guardian_id, student_id, count in session.execute(query):
            pending[(guardian_id, student_id)] += int(count)
    return pending


def _flags(row: dict[str, Any], on: date) -> tuple[Flag, ...]:
    flags = []
    if row["last_login_at"] is None:
        flags.append(Flag.NEVER_LOGGED_IN)
    last = row["last_acknowledged_at"]
    if last is None or last.date() <= on - timedelta(days=SILENT_DAYS):
        flags.append(Flag.SILENT)
    if row["pending_items"]:
        flags.append(Flag.PENDING_ITEMS)
    if row["notifications_failed"]:
        flags.append(Flag.FAILED_DELIVERY)
    return tuple(flags)


def _deliveries(
    session: Session, user_ids: list[int], starts_on: date, ends_on: date
) -> dict[tuple[int, DeliveryStatus], int]:
    """Per account and outcome: notifications created in the weeks (counted in SQL)."""
    since = datetime.combine(starts_on, time(0), tzinfo=UTC)
    until = datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=UTC)
    return {
        (user_id, status): count
        for user_id, status, count in session.execute(
            select(Notification.user_id, Notification.status, func.count())
            .where(
                Notification.user_id.in_(user_ids),
                Notification.status.in_([DeliveryStatus.SENT, DeliveryStatus.FAILED]),
                Notification.created_at >= since,
                Notification.created_at < until,
            )
            .group_by(Notification.user_id, Notification.status)
        )
    }


def activity_report(
    session: Session, actor: Actor, *, class_id: int, starts_on: date, ends_on: date, on: date
) -> ActivityReport:
    """The class's families over the weeks from `starts_on` to `ends_on` (up to today)."""
    require_class_scope(session, actor, class_id, Action.VIEW_ACTIVITY_REPORT)
    school_class = get_or_404(session, SchoolClass, class_id, "Класс не найден.")
    weeks = school_weeks(session, starts_on, ends_on, on)
    links = session.execute(
        family_links([class_id], on)
        .add_columns(Guardian.last_name, Guardian.first_name, Guardian.middle_name,
                     Student.last_name, Student.first_name)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .join(Student, Student.id == GuardianLink.student_id)
        .order_by(Student.last_name, Student.first_name, Guardian.last_name, Guardian.id)
    ).all()
    students = select(Enrolment.student_id).where(
        Enrolment.class_id == class_id, active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )
    guardian_ids = list({row[1] for row in links})
    accounts = {
        row.guardian_id: row
        for row in session.execute(
            select(UserAccount.id, UserAccount.guardian_id, UserAccount.status,
                   UserAccount.last_login_at)
            .where(UserAccount.guardian_id.in_(guardian_ids))
        )
    }
    counts, sections = _activity(session, class_id, weeks)
    weeks_done, channels, latest = _acknowledgements(session, students, weeks, starts_on, ends_on)
    pending = _pending_items(session, students, school_class.school_year_id)
    consents = latest_entries(session, guardian_ids=guardian_ids, student_ids=[])
    deliveries = _deliveries(session, [a.id for a in accounts.values()], starts_on, ends_on)
    rows = []
    for _, guardian_id, student_id, relation, g_last, g_first, g_middle, s_last, s_first in links:
        account = accounts.get(guardian_id)
        user_id = account.id if account else None
        key = (guardian_id, student_id)
        own = consents.get((ConsentSubject.GUARDIAN_SELF, guardian_id, None))
        child = consents.get((ConsentSubject.CHILD, guardian_id, student_id))
        delivery = decide_for(own=own, child=child,
                              account=account.status if account else None)
        values: dict[str, Any] = {
            "guardian_id": guardian_id,
            "student_id": student_id,
            "guardian": " ".join(p for p in (g_last, g_first, g_middle) if p),
            "child": f"{s_last} {s_first}",
            "relation": RELATION_TITLES[relation],
            "account": AccountState.NO_ACCOUNT if account is None
            else AccountState(account.status.value),
            "last_login_at": account.last_login_at if account else None,
            "logins": counts.get((user_id, student_id), {}).get(FamilyEvent.LOGIN, 0)
            if user_id else 0,
            "screens": counts.get((user_id, student_id), {}).get(FamilyEvent.SCREEN, 0)
            if user_id else 0,
            "sections": tuple(sorted(SECTION_TITLES.get(s, s)
                                     for s in sections.get((user_id or 0, student_id), ()))),
            "weeks_acknowledged": weeks_done.get(key, 0),
            "weeks_pending": len(weeks) - weeks_done.get(key, 0),
            "channels": dict(channels.get(key, {})),
            "last_acknowledged_at": latest.get(key),
            "pending_items": pending.get(key, 0),
            "consent": CONSENT_STATE_TITLES[state_of(child)],
            "route": delivery.route,
            "route_reason": delivery.reason,
            "notifications_sent": deliveries.get((user_id or 0, DeliveryStatus.SENT), 0),
            "notifications_failed": deliveries.get((user_id or 0, DeliveryStatus.FAILED), 0),
        }
        rows.append(FamilyRow(**values, flags=_flags(values, on)))
    rates = weekly_rates(session, [class_id], weeks, on).get(class_id, [])
    return ActivityReport(class_id, school_class.name, starts_on, ends_on, weeks, rows, rates)
