"""The Russian production calendar: working days, public holidays and transferred working days.

The source is the pinned `holidays` package (`holidays.RU`), which follows the government's
yearly decree on transferred days off; see the README for how it is kept current.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=8)
def _calendar(year: int) -> holidays.HolidayBase:
    # One year per instance keeps the cache small; a deadline may cross into the next year.
    return holidays.RU(years=year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in Russia (a transferred working Saturday is one)."""
    return bool(_calendar(day.year).is_working_day(day))


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def report_deadline(discovered_at: datetime, timezone: str) -> datetime:
    """End of the first working day after the discovery, in the school's zone (an aware time)."""
    zone = ZoneInfo(timezone)
    local_day = discovered_at.astimezone(zone).date()
    last_day = next_working_day(local_day)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
