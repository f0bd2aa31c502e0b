"""The group school every teaching-load test starts from."""

from __future__ import annotations

import pytest

from tests.core.services.groups.group_school import build_school


@pytest.fixture
def school(session):
    return build_school(session)
