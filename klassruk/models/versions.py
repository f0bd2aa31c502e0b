"""Counters that caches are keyed by: raised in the same transaction as the data they cover."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from klassruk.models.base import Base


class DataVersion(Base):
    """How many committed transactions have changed one kind of data (e.g. the journal)."""

    __tablename__ = "data_version"
    # Raised by the version hook with a statement, never through the ORM: nothing to audit.
    __audited__ = False

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
