"""School-wide context for pages: name, time zone, today's date there."""

from __future__ import annotations

from datetime import date

from components.runtime import school_settings, settings
from klassruk.formatting import school_today


def school_timezone() -> str:
    """The configured time zone of the school."""
    return school_settings().timezone


def today() -> date:
    """Today in the school's time zone (or the date KLASSRUK_TODAY pins)."""
    pinned = settings().pinned_today
    return pinned if pinned is not None else school_today(school_timezone())
