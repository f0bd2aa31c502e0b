"""User accounts, their roles, and the app-wide settings row store."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import Guardian, Staff, Student, _enum


class AccountStatus(enum.StrEnum):
    """Life of an account: credentials issued → activated by the owner → possibly blocked."""

    ISSUED = "issued"
    ACTIVE = "active"
    BLOCKED = "blocked"


ACCOUNT_STATUS_TITLES: dict[AccountStatus, str] = {
    AccountStatus.ISSUED: "выданы реквизиты",
    AccountStatus.ACTIVE: "активна",
    AccountStatus.BLOCKED: "заблокирована",
}


class UserAccount(Base):
    """A login of one person; linked to the staff, guardian or student record it belongs to."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[AccountStatus] = mapped_column(
        _enum(AccountStatus, "account_status"), default=AccountStatus.ACTIVE
    )
    must_change_password: Mapped[bool] = mapped_column(default=True)
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Any session token issued before this moment is void: logout, password change, compromise.
    sessions_valid_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (TOTP): the secret once confirmed (the audit log shows it as ***), when it
    # was switched on, and the last 30-second step accepted, so a seen code is not replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), unique=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"), unique=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), unique=True)

    staff: Mapped[Staff | None] = relationship()
    guardian: Mapped[Guardian | None] = relationship()
    student: Mapped[Student | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    def return_to_issued(self, now: datetime) -> None:
        """Void the password, the lockout and every session: the account waits for a new code."""
        self.status = AccountStatus.ISSUED
        self.password_hash = None
        self.must_change_password = True
        self.failed_attempts = 0
        self.locked_until = None
        self.sessions_valid_after = now


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), primary_key=True)

    user: Mapped[UserAccount] = relationship(back_populates="role_rows")


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppSetting(Base):
    """A school-wide setting kept in the database (school name, time zone, demo mode)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
