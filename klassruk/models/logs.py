"""Append-only logs: the audit trail of writes and the users' activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime


class AuditLog(Base):
    """One written row: who changed what, from which values to which, and when."""

    __tablename__ = "audit_log"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_login: Mapped[str] = mapped_column(String(80))
    session_id: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Why the write was made, when the service was told (admin actions, incident restores).
    reason: Mapped[str | None] = mapped_column(String(500))
    # The incident this write was part of (a report, a restore), and the one that voided it.
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("security_incident.id"), index=True)
    voided_by_incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("security_incident.id"), index=True
    )


class ActivityLog(Base):
    """Something a user did that is not a data change: logins, failures, pages, downloads."""

    __tablename__ = "activity_log"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    login: Mapped[str] = mapped_column(String(80))
    event: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str | None] = mapped_column(String(500))
    session_id: Mapped[str | None] = mapped_column(String(64))
    # Where a login attempt came from (the proxy's X-Forwarded-For when trusted): throttling.
    client_address: Mapped[str | None] = mapped_column(String(45))

    __table_args__ = (Index("ix_activity_log_address_at", "client_address", "at"),)
