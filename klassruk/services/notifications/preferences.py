"""A family member's notification choices, and when an item may go out under them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.notifications import Cadence, Channel, NotificationPreference, Topic
from klassruk.services.locking import lock_rows

DEFAULT_DIGEST_HOUR = 18
DEFAULT_QUIET_FROM = 21
DEFAULT_QUIET_TO = 8
# The weekly digest goes out on Sunday (ISO weekday 7) at the digest hour: the school week is over.
WEEKLY_DIGEST_WEEKDAY = 7


@dataclass(frozen=True)
class Preferences:
    """What, where and how often; defaults: e-mail, a daily digest at 18:00, quiet 21–08."""

    email: bool = True
    sms: bool = False
    muted_topics: frozenset[Topic] = field(default_factory=frozenset)
    cadence: Cadence = Cadence.DAILY
    digest_hour: int = DEFAULT_DIGEST_HOUR
    quiet_from: int = DEFAULT_QUIET_FROM
    quiet_to: int = DEFAULT_QUIET_TO

    def channels(self) -> list[Channel]:
        """The channels switched on."""
        return [c for c, on in ((Channel.EMAIL, self.email), (Channel.SMS, self.sms)) if on]

    def wants(self, topic: Topic) -> bool:
        """Whether the topic is switched on."""
        return topic not in self.muted_topics


def _from_row(row: NotificationPreference | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(
        email=row.email,
        sms=row.sms,
        muted_topics=frozenset(Topic(t) for t in row.muted_topics),
        cadence=row.cadence,
        digest_hour=row.digest_hour,
        quiet_from=row.quiet_from,
        quiet_to=row.quiet_to,
    )


def preferences_of(session: Session, user_ids: list[int]) -> dict[int, Preferences]:
    """The preferences of these logins (defaults where none were saved), in one query."""
    rows = {
        row.user_id: row
        for row in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
        )
    }
    return {user_id: _from_row(rows.get(user_id)) for user_id in user_ids}


def my_preferences(session: Session, actor: Actor) -> Preferences:
    """The acting family member's own preferences."""
    user_id = family_user(actor)
    return preferences_of(session, [user_id])[user_id]


def family_user(actor: Actor) -> int:
    """The acting family member's login id; staff and the system are refused."""
    require(actor, Action.MANAGE_NOTIFICATIONS)
    if actor.user_id is None or (actor.guardian_id is None and actor.student_id is None):
        raise PermissionDenied("Уведомления настраивают родители и обучающиеся в своём кабинете.")
    return actor.user_id


def _check_hour(value: int, what: str) -> None:
    if not isinstance(value, int) or not 0 <= value <= 23:
        raise DomainError(f"{what}: час от 0 до 23.")


def save_preferences(session: Session, actor: Actor, *, preferences: Preferences) -> None:
    """Save the acting family member's own preferences."""
    user_id = family_user(actor)
    _check_hour(preferences.digest_hour, "Время сводки")
    _check_hour(preferences.quiet_from, "Начало тихих часов")
    _check_hour(preferences.quiet_to, "Конец тихих часов")
    # Two first saves at once: the second waits here, then finds the first one's row.
    lock_rows(session, UserAccount, [user_id])
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = NotificationPreference(user_id=user_id)
        session.add(row)
    row.email, row.sms = preferences.email, preferences.sms
    row.muted_topics = sorted(t.value for t in preferences.muted_topics)
    row.cadence = preferences.cadence
    row.digest_hour = preferences.digest_hour
    row.quiet_from, row.quiet_to = preferences.quiet_from, preferences.quiet_to
    session.flush()


def in_quiet_hours(hour: int, quiet_from: int, quiet_to: int) -> bool:
    """Whether a local hour falls into quiet hours (which may span midnight)."""
    if quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= hour < quiet_to
    return hour >= quiet_from or hour < quiet_to


def _after_quiet_hours(local: datetime, prefs: Preferences) -> datetime:
    """`local` itself, or the end of the quiet hours it falls into."""
    if not in_quiet_hours(local.hour, prefs.quiet_from, prefs.quiet_to):
        return local
    end = datetime.combine(local.date(), time(prefs.quiet_to), local.tzinfo)
    return end if end > local else end + timedelta(days=1)


def due_at(
    prefs: Preferences, cadence: Cadence, *, now: datetime, timezone: str, urgent: bool = False
) -> datetime:
    """When an item may go out: now, the next digest hour, or Sunday's; held past quiet hours."""
    local = now.astimezone(ZoneInfo(timezone))
    if urgent:
        return now
    if cadence is Cadence.IMMEDIATE:
        when = local
    else:
        when = datetime.combine(local.date(), time(prefs.digest_hour), local.tzinfo)
        if cadence is Cadence.WEEKLY:
            when += timedelta(days=(WEEKLY_DIGEST_WEEKDAY - local.isoweekday()) % 7)
        if when <= local:
            when += timedelta(days=7 if cadence is Cadence.WEEKLY else 1)
    return _after_quiet_hours(when, prefs).astimezone(now.tzinfo)
