"""Reports sent by the deputy head to class teachers, with a snapshot of what was sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime


class SentReport(Base):
    """An analytical report of a class for a period, sent to its class teacher; read once opened."""

    __tablename__ = "sent_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_by: Mapped[str] = mapped_column(String(200))
    # The numbers as they were when sent: the class teacher reads what the deputy head saw.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (Index("ix_sent_report_class_period", "class_id", "period_id"),)
