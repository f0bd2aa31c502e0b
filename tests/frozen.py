"""The moment every test lives at unless it travels: Monday 30.11.2026, 10:00 in Moscow."""

from datetime import UTC, date, datetime

FROZEN_AT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
