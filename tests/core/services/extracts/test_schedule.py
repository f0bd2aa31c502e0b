"""The extract schedule and the reminder of families due an extract."""

from __future__ import annotations

import pytest

from klassruk.errors import PermissionDenied
from klassruk.models.extracts import ExtractFrequency
from klassruk.services.extracts.schedule import due_extracts, set_schedule
from tests.core.services.extracts.printed import ON, WEEK, print_week
from tests.factories import actor_of


def test_the_weekly_schedule_reminds_of_families_without_an_extract_for_the_last_week(
    session, school
):
    actor = actor_of(session, "ct_a")
    session.info["actor"] = actor
    assert due_extracts(session, actor, on=ON) == []
    set_schedule(session, actor, class_id=school.two.class_a,
                 frequency=ExtractFrequency.WEEKLY, starts_on=WEEK[0])
    (due,) = due_extracts(session, actor, on=ON)
    assert (due.date_from, due.date_to, len(due.families)) == (*WEEK, 1)
    assert due_extracts(session, actor_of(session, "ct_b"), on=ON) == []
    print_week(session, school)
    assert due_extracts(session, actor, on=ON) == []
    with pytest.raises(PermissionDenied):
        set_schedule(session, actor_of(session, "ct_b"), class_id=school.two.class_a,
                     frequency=ExtractFrequency.PERIOD, starts_on=WEEK[0])
