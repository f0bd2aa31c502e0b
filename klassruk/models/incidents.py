"""Security incidents: a reported compromise of an account, what was voided, in-app notices."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from klassruk.clock import utcnow
from klassruk.models.accounts import UserAccount
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import _enum


class ReporterKind(enum.StrEnum):
    """Who reported the compromise: the owner, their class teacher, or the admin."""

    SELF = "self"
    CLASS_TEACHER = "class_teacher"
    ADMIN = "admin"


REPORTER_KIND_TITLES: dict[ReporterKind, str] = {
    ReporterKind.SELF: "владелец учётной записи",
    ReporterKind.CLASS_TEACHER: "классный руководитель",
    ReporterKind.ADMIN: "администратор",
}


class IncidentStatus(enum.StrEnum):
    """An incident is open until the admin closes it with a note."""

    OPEN = "open"
    CLOSED = "closed"


INCIDENT_STATUS_TITLES: dict[IncidentStatus, str] = {
    IncidentStatus.OPEN: "открыт",
    IncidentStatus.CLOSED: "закрыт",
}


INCIDENT_OPEN = "status = 'open'"


class SecurityIncident(Base):
    """A reported compromise of one account, with the deadline check and how it was handled."""

    __tablename__ = "security_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reporter_kind: Mapped[ReporterKind] = mapped_column(_enum(ReporterKind, "reporter_kind"))
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_by_login: Mapped[str] = mapped_column(String(80))
    # When the school learned of it: may precede the entry (a phone call to the class teacher).
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    suspected_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    how_discovered: Mapped[str] = mapped_column(String(1000))
    # End of the first working day after the discovery, in the school's zone.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reported_in_time: Mapped[bool]
    status: Mapped[IncidentStatus] = mapped_column(
        _enum(IncidentStatus, "incident_status"), default=IncidentStatus.OPEN
    )
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by_login: Mapped[str | None] = mapped_column(String(80))
    void_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_login: Mapped[str | None] = mapped_column(String(80))
    close_note: Mapped[str | None] = mapped_column(String(1000))

    user: Mapped[UserAccount] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        # One open incident per account: a second report while one is open is refused.
        Index(
            "uq_security_incident_open",
            "user_id",
            unique=True,
            sqlite_where=text(INCIDENT_OPEN),
            postgresql_where=text(INCIDENT_OPEN),
        ),
    )


class ItemOutcome(enum.StrEnum):
    """What voiding did with one audited operation."""

    RESTORED = "restored"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    NOT_RESTORABLE = "not_restorable"
    KEPT = "kept"
    RESTORED_BY_HAND = "restored_by_hand"


ITEM_OUTCOME_TITLES: dict[ItemOutcome, str] = {
    ItemOutcome.RESTORED: "восстановлено",
    ItemOutcome.UNCHANGED: "восстанавливать нечего",
    ItemOutcome.CONFLICT: "конфликт: данные позже изменил другой пользователь",
    ItemOutcome.NOT_RESTORABLE: "не восстанавливается автоматически",
    ItemOutcome.KEPT: "решено: оставлено как есть",
    ItemOutcome.RESTORED_BY_HAND: "решено: восстановлено вручную",
}


class IncidentItem(Base):
    """One voided operation of an incident and what became of the data it changed."""

    __tablename__ = "incident_item"
    # A record of the voiding itself (like the audit log it points into); decisions sit inside.
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("security_incident.id"), index=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), unique=True)
    outcome: Mapped[ItemOutcome] = mapped_column(_enum(ItemOutcome, "incident_item_outcome"))
    detail: Mapped[str | None] = mapped_column(String(500))
    # The row as it was when voiding found a conflict (column → value), for the decision.
    current: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_login: Mapped[str | None] = mapped_column(String(80))
    decision_note: Mapped[str | None] = mapped_column(String(500))


class Notice(Base):
    """An in-app message to one user, shown on their home page until marked read."""

    __tablename__ = "notice"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(String(1000))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("security_incident.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notice_user_read", "user_id", "read_at"),)


class DataAccess(enum.StrEnum):
    """Which personal data was opened."""

    STUDENT_CARD = "student_card"
    CLASS_LIST = "class_list"
    EXTRACT = "extract"
    REPORT = "report"
    CLASS_JOURNAL = "class_journal"


DATA_ACCESS_TITLES: dict[DataAccess, str] = {
    DataAccess.STUDENT_CARD: "карточка обучающегося",
    DataAccess.CLASS_LIST: "список класса",
    DataAccess.EXTRACT: "выписка",
    DataAccess.REPORT: "отчёт",
    DataAccess.CLASS_JOURNAL: "журнал класса",
}


class DataAccessLog(Base):
    """Who opened whose personal data, when: one narrow row per opening, never audited."""

    __tablename__ = "data_access_log"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[DataAccess] = mapped_column(_enum(DataAccess, "data_access"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id"))

    __table_args__ = (
        Index("ix_data_access_log_student", "student_id", "at"),
        Index("ix_data_access_log_user", "user_id", "at"),
        Index("ix_data_access_log_class", "class_id", "at"),
    )
