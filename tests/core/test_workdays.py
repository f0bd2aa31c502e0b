"""The one-working-day deadline on the Russian production calendar, in the school's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from klassruk.workdays import is_working_day, next_working_day, report_deadline

MOSCOW = "Europe/Moscow"


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(MOSCOW))


def test_the_calendar_knows_weekends_holidays_and_transferred_saturdays():
    assert is_working_day(date(2026, 11, 27))  # Friday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 4))  # Unity Day
    assert is_working_day(date(2025, 11, 1))  # Saturday worked instead of Monday 3 November
    assert not is_working_day(date(2025, 11, 3))  # the Monday given off for it


@pytest.mark.parametrize(
    ("discovered", "last_day"),
    [
        # An ordinary Tuesday: the report is due by the end of Wednesday.
        (moscow(2026, 11, 24, 10), date(2026, 11, 25)),
        # Friday evening: across the weekend to the end of Monday.
        (moscow(2026, 11, 27, 19), date(2026, 11, 30)),
        # Found on Saturday: Monday is still the first working day after it.
        (moscow(2026, 11, 28, 12), date(2026, 11, 30)),
        # Tuesday 3 November 2026: Wednesday 4 November is Unity Day, so Thursday.
        (moscow(2026, 11, 3, 9), date(2026, 11, 5)),
        # Friday 31 October 2025: Saturday 1 November 2025 was a transferred working day.
        (moscow(2025, 10, 31, 16), date(2025, 11, 1)),
        # Found on that working Saturday: 3 and 4 November are days off, so Wednesday 5th.
        (moscow(2025, 11, 1, 11), date(2025, 11, 5)),
        # New Year holidays: found on 30 December 2026, due at the end of 11 January 2027.
        (moscow(2026, 12, 30, 15), next_working_day(date(2026, 12, 31))),
    ],
)
def test_deadline_is_the_end_of_the_first_working_day_after_discovery(discovered, last_day):
    deadline = report_deadline(discovered, MOSCOW)
    assert deadline == moscow(last_day.year, last_day.month, last_day.day) + timedelta(days=1)


def test_new_year_holidays_push_the_deadline_into_january():
    assert next_working_day(date(2026, 12, 31)) == date(2027, 1, 11)


def test_the_school_zone_decides_the_day_of_discovery():
    # 20:00 UTC on Thursday is Thursday night in Moscow (due end of Friday) but Friday morning
    # in Vladivostok, where the report is due by the end of Monday.
    found = datetime(2026, 11, 26, 20, tzinfo=UTC)
    assert report_deadline(found, MOSCOW) == moscow(2026, 11, 28)
    assert report_deadline(found, "Asia/Vladivostok") == datetime(
        2026, 12, 1, tzinfo=ZoneInfo("Asia/Vladivostok")
    )
