"""Acknowledgement rates by week: classes compared for the deputy head."""

from __future__ import annotations

import pytest

from klassruk.errors import PermissionDenied
from klassruk.services.reports.rates import classes_compared
from tests.core.services.reports.families import ENDS, STARTS, build_activity_school
from tests.factories import act_as
from tests.frozen import TODAY


@pytest.fixture
def school(session):
    return build_activity_school(session)


def test_classes_compared_for_the_deputy_head(session, school):
    compared = classes_compared(session, act_as(session, "zavuch"), starts_on=STARTS,
                                ends_on=ENDS, on=TODAY)
    assert [(c.class_name, [r.acknowledged for r in c.rates]) for c in compared] == [
        ("7А", [0, 1, 1, 0]), ("8Б", [0, 0, 0, 0])]
    with pytest.raises(PermissionDenied):
        classes_compared(session, act_as(session, "ct_a"), starts_on=STARTS, ends_on=ENDS,
                         on=TODAY)
