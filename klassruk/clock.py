"""The one clock: the current moment in UTC and the school's today in its own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# Nothing else in the code reads the wall clock (ruff's banned-api enforces it), so tests that
# freeze this module's source (time-machine) freeze the whole program, and stored timestamps and
# "today" can never disagree.


def utcnow() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(UTC)


def school_now(timezone: str) -> datetime:
    """The current moment in the school's time zone (Russia spans eleven zones)."""
    return utcnow().astimezone(ZoneInfo(timezone))


def school_today(timezone: str) -> date:
    """Today's date where the school is."""
    return school_now(timezone).date()
