"""Paper extracts from the journal: the register of printed extracts and each class's schedule."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.clock import utcnow
from klassruk.models.base import Base, UTCDateTime
from klassruk.models.school import _enum


class ExtractFrequency(enum.StrEnum):
    """How often a class's paper families get an extract."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    PERIOD = "period"


EXTRACT_FREQUENCY_TITLES: dict[ExtractFrequency, str] = {
    ExtractFrequency.WEEKLY: "еженедельно",
    ExtractFrequency.BIWEEKLY: "раз в две недели",
    ExtractFrequency.PERIOD: "по итогам учебного периода",
}


class PaperExtract(Base):
    """One printed extract for one child and one guardian; its id is the extract's number."""

    __tablename__ = "paper_extract"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    date_from: Mapped[date]
    date_to: Mapped[date]
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    printed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    printed_by: Mapped[str] = mapped_column(String(80))
    handed_on: Mapped[date | None]
    returned_on: Mapped[date | None]
    # What the extract showed (ids of grades, absences, lessons…) and a digest of it.
    covered: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("date_from <= date_to", name="dates_ordered"),)


class ExtractSchedule(Base):
    """How often the class teacher prints extracts for the class's paper families."""

    __tablename__ = "extract_schedule"

    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), primary_key=True)
    frequency: Mapped[ExtractFrequency] = mapped_column(
        _enum(ExtractFrequency, "extract_frequency")
    )
    starts_on: Mapped[date]
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
