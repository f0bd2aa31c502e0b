"""Printing the test week's extracts as a class teacher, for the extracts tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from klassruk.services.extracts.printing import print_extracts
from tests.factories import actor_of

WEEK = (date(2026, 9, 7), date(2026, 9, 13))
ON = date(2026, 9, 15)


def print_week(session, school, login="ct_a", **kwargs):
    """Print extracts of the test week (by default) for 7А as its class teacher."""
    actor = actor_of(session, login)
    session.info["actor"] = actor
    kwargs.setdefault("date_from", WEEK[0])
    kwargs.setdefault("date_to", WEEK[1])
    kwargs.setdefault("now", datetime(2026, 9, 15, 8, tzinfo=UTC))
    return print_extracts(session, actor, class_id=school.two.class_a, on=ON, **kwargs)
