"""The sender's first step: expand committed outbox events into items per family login."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.models.notifications import (
    Cadence,
    Channel,
    ClassMessageRecipient,
    DeliveryStatus,
    EventKind,
    Notification,
    NotificationItem,
    OutboxEvent,
    SenderHeartbeat,
    Topic,
)
from klassruk.models.school import Enrolment, GroupMembership, SchoolClass
from klassruk.services.calendar import in_current_year
from klassruk.services.notifications.contacts import verified_addresses
from klassruk.services.notifications.gating import Recipient, reachable
from klassruk.services.notifications.preferences import Preferences, due_at, preferences_of
from klassruk.services.school_settings import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting
from klassruk.services.scope.classes import active_on

EXPAND_BATCH = 500


def school_timezone(session: Session) -> str:
    """The school's time zone setting."""
    return get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)


def _pending_events(session: Session, limit: int) -> Sequence[OutboxEvent]:
    # SKIP LOCKED: two senders expand different events; SQLite's BEGIN IMMEDIATE serialises.
    return session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.expanded_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def _members(session: Session, events: Sequence[OutboxEvent], on: date) -> dict[str, Any]:
    """Students of the groups, classes and school the events address, in three queries."""
    groups = {e.group_id for e in events if e.group_id is not None}
    classes = {e.class_id for e in events if e.class_id is not None and e.group_id is None}
    school = any(
        e.student_id is None and e.group_id is None and e.class_id is None
        and e.kind is not EventKind.CLASS_MESSAGE
        for e in events
    )
    by_group: dict[int, list[int]] = defaultdict(list)
    by_class: dict[int, list[int]] = defaultdict(list)
    if groups:
        for group_id, student_id in session.execute(
            select(GroupMembership.group_id, GroupMembership.student_id).where(
                GroupMembership.group_id.in_(groups),
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        ):
            by_group[group_id].append(student_id)
    if classes:
        for class_id, student_id in session.execute(
            select(Enrolment.class_id, Enrolment.student_id).where(
                Enrolment.class_id.in_(classes),
                active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            )
        ):
            by_class[class_id].append(student_id)
    everyone: list[int] = []
    if school:
        everyone = list(
            session.scalars(
                select(Enrolment.student_id)
                .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
                .where(
                    in_current_year(SchoolClass.school_year_id),
                    active_on(Enrolment.starts_on, Enrolment.ends_on, on),
                )
            )
        )
    return {"group": by_group, "class": by_class, "school": everyone}


def _message_families(session: Session, events: Sequence[OutboxEvent]) -> dict[int, set[Any]]:
    """Per class message: the (guardian, child) pairs addressed electronically."""
    ids = [e.payload["message_id"] for e in events if e.kind is EventKind.CLASS_MESSAGE]
    found: dict[int, set[Any]] = defaultdict(set)
    if ids:
        for message_id, guardian_id, student_id in session.execute(
            select(
                ClassMessageRecipient.message_id,
                ClassMessageRecipient.guardian_id,
                ClassMessageRecipient.student_id,
            ).where(
                ClassMessageRecipient.message_id.in_(ids),
                ClassMessageRecipient.paper.is_(False),
            )
        ):
            found[message_id].add((guardian_id, student_id))
    return found


def _students_of(
    event: OutboxEvent, members: dict[str, Any], families: dict[int, set[Any]]
) -> list[int]:
    if event.kind is EventKind.CLASS_MESSAGE:
        return [s for _, s in families[event.payload["message_id"]]]
    if event.student_id is not None:
        return [event.student_id]
    if event.group_id is not None:
        return list(members["group"][event.group_id])
    if event.class_id is not None:
        return list(members["class"][event.class_id])
    return list(members["school"])


def delivery_channels(
    pref: Preferences, topic: Topic, user_id: int, addresses: Mapping[tuple[int, Channel], str]
) -> list[Channel]:
    """The channels news of the topic goes to the login by: switched on, confirmed, not muted."""
    if not pref.wants(topic):
        return []
    return [channel for channel in pref.channels() if (user_id, channel) in addresses]


def expand_events(
    session: Session, *, now: datetime | None = None, limit: int = EXPAND_BATCH
) -> int:
    """Turn committed events into items per reachable family login and confirmed channel.

    Consent, account state, preferences (topic, channels, cadence, quiet hours) are applied
    here; the event is marked expanded in the same transaction, so it is expanded exactly once.
    """
    now = now or utcnow()
    events = _pending_events(session, limit)
    if not events:
        return 0
    timezone = school_timezone(session)
    on = now.astimezone(ZoneInfo(timezone)).date()
    members = _members(session, events, on)
    families = _message_families(session, events)
    per_event = {e.id: _students_of(e, members, families) for e in events}
    recipients: dict[int, list[Recipient]] = defaultdict(list)
    for recipient in reachable(session, {s for ids in per_event.values() for s in ids}, on=on):
        recipients[recipient.student_id].append(recipient)
    users = sorted({r.user_id for rs in recipients.values() for r in rs})
    prefs = preferences_of(session, users)
    addresses = verified_addresses(session, users)
    rows = []
    for event in events:
        message_families = families.get(event.payload.get("message_id", -1), set())
        for student_id in set(per_event[event.id]):
            for r in recipients.get(student_id, []):
                if event.kind is EventKind.CLASS_MESSAGE and (
                    (r.guardian_id, student_id) not in message_families
                ):
                    continue
                pref = prefs[r.user_id]
                channels = delivery_channels(pref, event.topic, r.user_id, addresses)
                if not channels:
                    continue
                cadence = (
                    Cadence.IMMEDIATE
                    if event.urgent or event.kind is EventKind.CLASS_MESSAGE
                    else pref.cadence
                )
                due = due_at(pref, cadence, now=now, timezone=timezone, urgent=event.urgent)
                rows += [
                    {
                        "event_id": event.id, "user_id": r.user_id, "student_id": student_id,
                        "channel": channel, "cadence": cadence, "due_at": due,
                    }
                    for channel in channels
                ]
    if rows:
        session.execute(insert(NotificationItem), rows)
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([e.id for e in events]))
        .values(expanded_at=now)
    )
    return len(events)


@dataclass(frozen=True)
class SenderStatus:
    """The outbox's backlog and age, messages by status, each sender's last pass, failures."""

    events_waiting: int
    oldest_event_at: datetime | None
    items_held: int
    by_status: dict[DeliveryStatus, int]
    senders: list[tuple[str, datetime, int, int]]
    failures: list[tuple[datetime, Channel, str, str]]


def sender_status(session: Session, actor: Actor, *, failures: int = 20) -> SenderStatus:
    """What the admin sees on one page: is the sender alive, is anything stuck or failing."""
    require(actor, Action.VIEW_SENDER_HEALTH)
    waiting, oldest = session.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(
            OutboxEvent.expanded_at.is_(None)
        )
    ).one()
    by_status = {
        status: count
        for status, count in session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        )
    }
    held = session.scalar(
        select(func.count()).select_from(NotificationItem).where(
            NotificationItem.notification_id.is_(None)
        )
    )
    senders = [
        (b.name, b.seen_at, b.sent, b.failed)
        for b in session.scalars(select(SenderHeartbeat).order_by(SenderHeartbeat.seen_at.desc()))
    ]
    failed = [
        (n.created_at, n.channel, n.subject, n.last_error or "")
        for n in session.scalars(
            select(Notification)
            .where(Notification.status == DeliveryStatus.FAILED)
            .order_by(Notification.id.desc())
            .limit(failures)
        )
    ]
    return SenderStatus(waiting, oldest, held or 0, by_status, senders, failed)
