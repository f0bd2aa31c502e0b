"""School-wide context for pages: name, time zone, today's date there."""

from __future__ import annotations

from datetime import date

from components.runtime import db
from klassruk.formatting import school_today
from klassruk.permissions import Actor
from klassruk.setup import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting

_READER = Actor.system("settings")


def school_timezone() -> str:
    """The configured time zone of the school."""
    with db(_READER) as session:
        return get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)


def today() -> date:
    """Today in the school's time zone."""
    return school_today(school_timezone())
