"""The journal school every timetable test starts from."""

from __future__ import annotations

import pytest

from tests.schools.journal_school import build_journal_school


@pytest.fixture
def school(session):
    return build_journal_school(session)
