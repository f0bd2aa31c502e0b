"""One-time activation codes handed out on paper slips; only their hash is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klassruk.clock import utcnow
from klassruk.models.accounts import UserAccount
from klassruk.models.base import Base, UTCDateTime

OPEN_CODE = "used_at IS NULL AND revoked_at IS NULL"


class ActivationCode(Base):
    """A code issued for an account: valid until used, replaced by a newer one, or expired."""

    __tablename__ = "activation_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # SHA-256 of the code bound to the account; "hash" in the name keeps it out of the audit log.
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_by_login: Mapped[str] = mapped_column(String(80))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The browser session that used the code: only it may set the first password without one.
    used_session_id: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[UserAccount] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        # One code per account is open at a time: a second one would mean a dead paper slip.
        Index(
            "uq_activation_code_open",
            "user_id",
            unique=True,
            sqlite_where=text(OPEN_CODE),
            postgresql_where=text(OPEN_CODE),
        ),
    )
