"""The sender process: expand the outbox, compose digests, lease messages, send, retry."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models.notifications import (
    Channel,
    DeliveryStatus,
    Notification,
    SenderHeartbeat,
)
from klassruk.services.notifications.channels import DeliveryError, Outgoing
from klassruk.services.notifications.channels.email import SmtpSettings, SmtpTransport
from klassruk.services.notifications.channels.sms import SmsSettings, SmsTransport
from klassruk.services.notifications.digests import LinkSettings, compose_due
from klassruk.services.notifications.outbox import expand_events
from klassruk.services.school_settings import APP_URL_KEY, get_setting, school_address

SENDER = Actor.system("sender")
# Messages leased, handed over by the workers and recorded in one transaction each round: a
# sender dying mid-round sends at most these again (the lease runs out, another takes them).
ROUND = 20
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderConfig:
    """Transports, links, retries and provider rate limits."""

    links: LinkSettings
    smtp: SmtpSettings | None = None
    sms: SmsSettings | None = None
    max_attempts: int = 5
    backoff_s: float = 60.0
    lease_s: float = 300.0
    per_minute: dict[Channel, int] = field(
        default_factory=lambda: {Channel.EMAIL: 600, Channel.SMS: 60}
    )
    # Worker threads handing messages over at once, each with its own SMTP connection.
    workers: int = 4


class RateLimiter:
    """At most N sends a minute per channel in this process (evenly spaced, across workers)."""

    def __init__(self, per_minute: dict[Channel, int]) -> None:
        self._interval = {c: 60.0 / n for c, n in per_minute.items() if n > 0}
        self._last: dict[Channel, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: Channel) -> None:
        """Sleep until the channel may send again (each caller gets its own slot)."""
        interval = self._interval.get(channel)
        if interval is None:
            return
        with self._lock:
            now = time.monotonic()
            last = self._last.get(channel)
            slot = now if last is None else max(now, last + interval)
            self._last[channel] = slot
        pause = slot - time.monotonic()
        if pause > 0:
            time.sleep(pause)


@dataclass
class PassResult:
    """What one pass of the sender did."""

    expanded: int = 0
    composed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def lease(
    session: Session, *, owner: str, now: datetime, lease_s: float, limit: int = ROUND
) -> list[tuple[int, Channel, Outgoing]]:
    """Claim due messages for `owner`: rows locked by another sender are skipped, not shared."""
    due = (
        select(Notification.id)
        .where(
            Notification.status == DeliveryStatus.PENDING,
            Notification.next_attempt_at <= now,
            or_(Notification.leased_until.is_(None), Notification.leased_until < now),
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(
        session.scalars(
            update(Notification)
            .where(Notification.id.in_(due))
            .values(leased_until=now + timedelta(seconds=lease_s), lease_owner=owner)
            .returning(Notification.id),
            execution_options={"synchronize_session": False},
        )
    )
    if not ids:
        return []
    return [
        (n.id, n.channel, Outgoing(n.address, n.subject, n.body_text, n.body_html,
                                   n.unsubscribe_url))
        for n in session.scalars(
            select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
        )
    ]


def record_outcome(
    session: Session,
    *,
    notification_id: int,
    owner: str,
    error: DeliveryError | None,
    config: SenderConfig,
    now: datetime,
) -> DeliveryStatus:
    """Mark sent, schedule a retry with exponential backoff, or give up keeping the error."""
    row = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.lease_owner == owner
        ).with_for_update()
    )
    if row is None:  # the lease ran out and another sender took it over
        return DeliveryStatus.PENDING
    row.attempts += 1
    row.leased_until = row.lease_owner = None
    if error is None:
        row.status, row.sent_at, row.last_error = DeliveryStatus.SENT, now, None
    elif error.permanent or row.attempts >= config.max_attempts:
        row.status, row.last_error = DeliveryStatus.FAILED, str(error)[:500]
    else:
        row.last_error = str(error)[:500]
        row.next_attempt_at = now + timedelta(seconds=config.backoff_s * 2 ** (row.attempts - 1))
    session.flush()
    return row.status


class _Transports:
    """The pass's transports, opened on first use and closed at the end of the pass."""

    def __init__(self, config: SenderConfig) -> None:
        self.config = config
        self._open: dict[Channel, SmtpTransport | SmsTransport] = {}

    def deliver(self, channel: Channel, outgoing: Outgoing) -> DeliveryError | None:
        """Send; the error if it failed."""
        try:
            self._get(channel).send(outgoing)
        except DeliveryError as error:
            return error
        return None

    def _get(self, channel: Channel) -> SmtpTransport | SmsTransport:
        if channel not in self._open:
            if channel is Channel.EMAIL:
                if self.config.smtp is None:
                    raise DeliveryError("электронная почта не настроена (KLASSRUK_SMTP_HOST)")
                self._open[channel] = SmtpTransport(self.config.smtp)
            else:
                if self.config.sms is None:
                    raise DeliveryError("шлюз SMS не настроен (KLASSRUK_SMS_PROVIDER)")
                self._open[channel] = SmsTransport(self.config.sms)
        return self._open[channel]

    def close(self) -> None:
        for transport in self._open.values():
            transport.close()


def run_pass(
    factory: sessionmaker[Session], config: SenderConfig, *, owner: str,
    limiter: RateLimiter | None = None,
) -> PassResult:
    """One pass: expand, compose, then send everything due; network outside transactions."""
    limiter = limiter or RateLimiter(config.per_minute)
    result = PassResult()
    while True:
        with unit_of_work(factory, SENDER) as session:
            expanded = expand_events(session, now=utcnow())
        result.expanded += expanded
        if not expanded:
            break
    links = _links_now(factory, config.links)
    while True:
        with unit_of_work(factory, SENDER) as session:
            composed = compose_due(session, now=utcnow(), links=links)
        result.composed += composed
        if not composed:
            break
    _send_due(factory, config, owner, limiter, result)
    with unit_of_work(factory, SENDER) as session:
        _heartbeat(session, owner, result)
    return result


def _links_now(factory: sessionmaker[Session], links: LinkSettings) -> LinkSettings:
    """Links to the school's address as the admin sets it now (a running sender sees a change)."""
    with unit_of_work(factory, SENDER, read_only=True) as session:
        admin_value = get_setting(session, APP_URL_KEY)
    return replace(links, app_url=school_address(admin_value, links.app_url))


def _send_due(
    factory: sessionmaker[Session], config: SenderConfig, owner: str, limiter: RateLimiter,
    result: PassResult,
) -> None:
    """Lease a round, hand it over with the workers (each its own connections), record it."""
    local = threading.local()
    opened: list[_Transports] = []
    guard = threading.Lock()

    def deliver(leased: tuple[int, Channel, Outgoing]) -> tuple[int, DeliveryError | None]:
        notification_id, channel, outgoing = leased
        if not hasattr(local, "transports"):
            local.transports = _Transports(config)
            with guard:
                opened.append(local.transports)
        limiter.wait(channel)
        error = local.transports.deliver(channel, outgoing)
        if error is not None:
            log.warning("notification %s not sent: %s", notification_id, error)
        return notification_id, error

    try:
        with ThreadPoolExecutor(max_workers=max(1, config.workers)) as pool:
            while True:
                with unit_of_work(factory, SENDER) as session:
                    batch = lease(session, owner=owner, now=utcnow(), lease_s=config.lease_s)
                if not batch:
                    break
                outcomes = list(pool.map(deliver, batch))
                with unit_of_work(factory, SENDER) as session:
                    statuses = [
                        record_outcome(session, notification_id=notification_id, owner=owner,
                                       error=error, config=config, now=utcnow())
                        for notification_id, error in outcomes
                    ]
                for status in statuses:
                    if status is DeliveryStatus.SENT:
                        result.sent += 1
                    elif status is DeliveryStatus.FAILED:
                        result.failed += 1
                    else:
                        result.retried += 1
    finally:
        for transports in opened:
            transports.close()


def _heartbeat(session: Session, owner: str, result: PassResult) -> None:
    beat = session.get(SenderHeartbeat, owner, with_for_update=True)
    if beat is None:
        beat = SenderHeartbeat(name=owner, sent=0, failed=0)
        session.add(beat)
    beat.seen_at = utcnow()
    beat.sent += result.sent
    beat.failed += result.failed
    session.flush()


def run_forever(
    factory: sessionmaker[Session], config: SenderConfig, *, owner: str, interval_s: float
) -> None:
    """Pass after pass; a failed pass (database away) is logged and tried again."""
    limiter = RateLimiter(config.per_minute)
    while True:
        try:
            run_pass(factory, config, owner=owner, limiter=limiter)
        except Exception:  # keep the process alive: the next pass retries
            log.exception("sender pass failed")
        time.sleep(interval_s)
