"""Consent to personal-data processing (152-ФЗ): an append-only register, and its scans."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import _enum


class ConsentState(enum.StrEnum):
    """Where a consent stands; «not asked» is no entry yet, or a correction back to nothing."""

    NOT_ASKED = "not_asked"
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


CONSENT_STATE_TITLES: dict[ConsentState, str] = {
    ConsentState.NOT_ASKED: "не запрашивалось",
    ConsentState.GIVEN: "дано",
    ConsentState.REFUSED: "отказ",
    ConsentState.WITHDRAWN: "отозвано",
}


class ConsentSubject(enum.StrEnum):
    """Whose data a consent covers, and who signed it."""

    GUARDIAN_SELF = "guardian_self"  # the guardian's own data, signed by the guardian
    CHILD = "child"  # the child's data, signed by the guardian
    STUDENT_SELF = "student_self"  # a student of 14 or older, own signature


CONSENT_SUBJECT_TITLES: dict[ConsentSubject, str] = {
    ConsentSubject.GUARDIAN_SELF: "свои данные",
    ConsentSubject.CHILD: "данные ребёнка",
    ConsentSubject.STUDENT_SELF: "собственное согласие обучающегося",
}


class ConsentScan(Base):
    """A scanned signed form (PDF, JPEG or PNG); kept out of the audit log for its size."""

    __tablename__ = "consent_scan"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(80))


class ConsentEntry(Base):
    """One recorded fact about a consent; the newest entry per person and subject is current."""

    __tablename__ = "consent_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[ConsentSubject] = mapped_column(_enum(ConsentSubject, "consent_subject"))
    # Null for a student's own consent; the signing guardian otherwise.
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    # Null for the guardian's own data; the child (or the signing student) otherwise.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    state: Mapped[ConsentState] = mapped_column(_enum(ConsentState, "consent_state"))
    signed_on: Mapped[date | None]
    form_number: Mapped[str | None] = mapped_column(String(40))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("consent_scan.id"))
    # The guardian asked for paper (no internet) while consenting.
    prefers_paper: Mapped[bool] = mapped_column(default=False)
    # A correction points at the mistaken entry and must say why.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("consent_entry.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by: Mapped[str] = mapped_column(String(80))

    __table_args__ = (
        Index("ix_consent_entry_guardian_subject", "guardian_id", "subject", "student_id"),
        # One correction per entry: a second one must correct the first correction.
        Index("uq_consent_entry_corrects", "corrects_id", unique=True),
        CheckConstraint(
            "(subject = 'guardian_self' AND guardian_id IS NOT NULL AND student_id IS NULL)"
            " OR (subject = 'child' AND guardian_id IS NOT NULL AND student_id IS NOT NULL)"
            " OR (subject = 'student_self' AND guardian_id IS NULL AND student_id IS NOT NULL)",
            name="subject_people",
        ),
    )
