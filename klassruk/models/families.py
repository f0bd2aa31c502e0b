"""What families do in their cabinet: the acknowledgement ledger and the narrow activity log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import _enum


class AckKind(enum.StrEnum):
    """What a guardian acknowledged: a school week, or one item that needs its own signature."""

    WEEK = "week"
    PERIOD_GRADE = "period_grade"
    RECOMMENDATION = "recommendation"
    TEST_SCHEDULE = "test_schedule"
    # A class teacher's message that asked for «Ознакомлен(а)» (item_id: the message).
    MESSAGE = "message"


class AckChannel(enum.StrEnum):
    """How the acknowledgement reached the school."""

    WEB = "web"
    PAPER = "paper"
    EMAIL_LINK = "email_link"


ACK_CHANNEL_TITLES: dict[AckChannel, str] = {
    AckChannel.WEB: "в электронном дневнике",
    AckChannel.PAPER: "подпись на бумажной выписке",
    AckChannel.EMAIL_LINK: "по ссылке из письма",
}


ACK_WEEK = "kind = 'week'"
ACK_ITEM = "kind <> 'week'"


class Acknowledgement(Base):
    """«Ознакомлен(а)»: a guardian saw exactly this content of a child; append-only ledger."""

    __tablename__ = "acknowledgement"

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    kind: Mapped[AckKind] = mapped_column(_enum(AckKind, "ack_kind"))
    # Monday of the school week (WEEK only).
    week_start: Mapped[date | None]
    # The period grade or recommendation id, or the period id of a test schedule.
    item_id: Mapped[int | None]
    # Ids of every item shown, per kind of item, and their SHA-256: later content differs.
    shown: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    channel: Mapped[AckChannel] = mapped_column(_enum(AckChannel, "ack_channel"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The guardian's own login (web, e-mail link); None for a paper slip.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Who entered a paper slip into the system (a class teacher); None when the guardian did.
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    session_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_acknowledgement_student_kind_week", "student_id", "kind", "week_start"),
        Index("ix_acknowledgement_guardian_student", "guardian_id", "student_id"),
        # One row per guardian, child, week (or item), content and channel: a repeated or
        # concurrent «Ознакомлен(а)» finds the row already there. New content is a new row.
        Index(
            "uq_acknowledgement_week",
            "guardian_id", "student_id", "week_start", "digest", "channel",
            unique=True,
            sqlite_where=text(ACK_WEEK),
            postgresql_where=text(ACK_WEEK),
        ),
        Index(
            "uq_acknowledgement_item",
            "guardian_id", "student_id", "kind", "item_id", "digest", "channel",
            unique=True,
            sqlite_where=text(ACK_ITEM),
            postgresql_where=text(ACK_ITEM),
        ),
    )


class FamilyEvent(enum.StrEnum):
    """What a family member did."""

    LOGIN = "login"
    SCREEN = "screen"
    ACKNOWLEDGE = "ack"


class FamilyActivity(Base):
    """One row per family login, cabinet screen opened or acknowledgement; narrow and cheap."""

    __tablename__ = "family_activity"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Monday of the school-zone day: the per-class weekly report groups by it without date maths.
    week_start: Mapped[date]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    student_id: Mapped[int | None]
    class_id: Mapped[int | None]
    event: Mapped[FamilyEvent] = mapped_column(_enum(FamilyEvent, "family_event"))
    section: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        Index("ix_family_activity_class_week", "class_id", "week_start"),
        Index("ix_family_activity_user", "user_id", "id"),
    )
