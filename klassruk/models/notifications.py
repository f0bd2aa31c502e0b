"""Notifications: the transactional outbox, preferences, contacts, messages sent, links."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import _enum


class Topic(enum.StrEnum):
    """What an event is about; families switch topics on and off."""

    GRADES = "grades"
    ABSENCES = "absences"
    PERIOD_GRADES = "period_grades"
    RECOMMENDATIONS = "recommendations"
    TESTS = "tests"
    LESSON_CHANGES = "lesson_changes"
    HOMEWORK = "homework"
    HOLIDAYS = "holidays"
    MESSAGES = "messages"


TOPIC_TITLES: dict[Topic, str] = {
    Topic.GRADES: "оценки",
    Topic.ABSENCES: "пропуски",
    Topic.PERIOD_GRADES: "итоговые оценки",
    Topic.RECOMMENDATIONS: "рекомендации учителей",
    Topic.TESTS: "контрольные работы",
    Topic.LESSON_CHANGES: "замены, переносы и отмены уроков",
    Topic.HOMEWORK: "домашние задания",
    Topic.HOLIDAYS: "каникулы",
    Topic.MESSAGES: "сообщения классного руководителя",
}


class EventKind(enum.StrEnum):
    """One change families hear about."""

    GRADE_ADDED = "grade_added"
    GRADE_CHANGED = "grade_changed"
    GRADE_DELETED = "grade_deleted"
    ABSENCE = "absence"
    PERIOD_GRADE = "period_grade"
    RECOMMENDATION = "recommendation"
    TEST_PLANNED = "test_planned"
    LESSON_SUBSTITUTION = "lesson_substitution"
    LESSON_MOVE = "lesson_move"
    LESSON_CANCELLATION = "lesson_cancellation"
    HOMEWORK = "homework"
    HOLIDAY = "holiday"
    CLASS_MESSAGE = "class_message"


class OutboxEvent(Base):
    """One change, written in the transaction of the change; the sender expands it later.

    One row per event (not per recipient): a journal save pays one multi-row insert whatever
    the number of families; who hears of it is decided by the sender.
    """

    __tablename__ = "outbox"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    topic: Mapped[Topic] = mapped_column(_enum(Topic, "notification_topic"))
    # Who it is about: one student, a study group's students, a class, or (none) the school.
    student_id: Mapped[int | None]
    group_id: Mapped[int | None]
    class_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Goes out through quiet hours (tomorrow's first lesson cancelled).
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set by the sender in the transaction that wrote the event's recipients.
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_outbox_expanded_at_id", "expanded_at", "id"),)


class Channel(enum.StrEnum):
    """Where a notification goes."""

    EMAIL = "email"
    SMS = "sms"


CHANNEL_TITLES: dict[Channel, str] = {Channel.EMAIL: "электронная почта", Channel.SMS: "SMS"}


class Cadence(enum.StrEnum):
    """How often a family hears: each change, a daily digest, or a weekly one."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


CADENCE_TITLES: dict[Cadence, str] = {
    Cadence.IMMEDIATE: "сразу",
    Cadence.DAILY: "сводка раз в день",
    Cadence.WEEKLY: "сводка раз в неделю",
}


class NotificationPreference(Base):
    """A family member's choices; no row means the defaults."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    sms: Mapped[bool] = mapped_column(default=False)
    # Topics switched off (values of Topic).
    muted_topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    cadence: Mapped[Cadence] = mapped_column(
        _enum(Cadence, "notification_cadence"), default=Cadence.DAILY
    )
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=18)
    quiet_from: Mapped[int] = mapped_column(SmallInteger, default=21)
    quiet_to: Mapped[int] = mapped_column(SmallInteger, default=8)

    __table_args__ = (
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour_range"),
        CheckConstraint("quiet_from BETWEEN 0 AND 23", name="quiet_from_range"),
        CheckConstraint("quiet_to BETWEEN 0 AND 23", name="quiet_to_range"),
    )


class NotificationContact(Base):
    """An e-mail address or phone of a login, usable once confirmed by a code sent to it."""

    __tablename__ = "notification_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "notification_channel"))
    # Normalised e-mail or E.164 phone.
    address: Mapped[str] = mapped_column(String(254))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    code_attempts: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("user_id", "channel"),)


class DeliveryStatus(enum.StrEnum):
    """Where an outgoing message is."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


DELIVERY_STATUS_TITLES: dict[DeliveryStatus, str] = {
    DeliveryStatus.PENDING: "ожидает отправки",
    DeliveryStatus.SENT: "отправлено",
    DeliveryStatus.FAILED: "не доставлено",
    DeliveryStatus.SKIPPED: "не отправлено",
}


class NotificationKind(enum.StrEnum):
    """What an outgoing message is."""

    EVENTS = "events"
    DIGEST = "digest"
    VERIFICATION = "verification"
    MESSAGE = "message"


class Notification(Base):
    """One e-mail or SMS to one login: leased by a sender, retried, kept with its outcome."""

    __tablename__ = "notification"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "notification_channel"))
    kind: Mapped[NotificationKind] = mapped_column(_enum(NotificationKind, "notification_kind"))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The signed one-click unsubscribe link of an e-mail.
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    class_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_message.id"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notification_status_next", "status", "next_attempt_at"),)


class NotificationItem(Base):
    """An event (or class message) for one login on one channel, waiting for its message."""

    __tablename__ = "notification_item"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "notification_channel"))
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence, "notification_cadence"))
    # Not before: the digest hour, or the end of quiet hours.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))

    __table_args__ = (
        UniqueConstraint("event_id", "user_id", "student_id", "channel"),
        Index("ix_notification_item_open", "notification_id", "due_at"),
    )


class MessageAudience(enum.StrEnum):
    """Whom a staff message addresses."""

    CLASS = "class"
    GRADE = "grade"
    SCHOOL = "school"


class ClassMessage(Base):
    """A message of the class teacher (or the deputy head, the admin) to families."""

    __tablename__ = "class_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    audience: Mapped[MessageAudience] = mapped_column(_enum(MessageAudience, "message_audience"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))
    grade: Mapped[int | None] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    asks_acknowledgement: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClassMessageRecipient(Base):
    """A family (guardian × child) a message is addressed to: route, read, printed."""

    __tablename__ = "class_message_recipient"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("class_message.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    # Paper route: the next paper extract prints it; printed_at is set when it did.
    paper: Mapped[bool] = mapped_column(default=False)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("message_id", "guardian_id", "student_id"),)


class LinkPurpose(enum.StrEnum):
    """What a signed link in a message does."""

    UNSUBSCRIBE = "unsubscribe"
    ACKNOWLEDGE_WEEK = "ack_week"
    ACKNOWLEDGE_MESSAGE = "ack_message"


class NotificationLink(Base):
    """A signed single-use link sent in a message; what it confirms is kept server-side."""

    __tablename__ = "notification_link"
    __audited__ = False

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose, "link_purpose"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    week_start: Mapped[date | None]
    class_message_id: Mapped[int | None] = mapped_column(ForeignKey("class_message.id"))
    # The week as the e-mail showed it: the acknowledgement records exactly this.
    shown: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    digest: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SenderHeartbeat(Base):
    """The last pass of each sender process, for the admin's health view."""

    __tablename__ = "sender_heartbeat"
    __audited__ = False

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
