"""The credentials tests' school: two classes sharing a guardian (tests/schools/roster_school)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from klassruk.infra.db import unit_of_work
from tests.factories import SYSTEM
from tests.schools.roster_school import TinySchool, build_school


@pytest.fixture
def school(factory: sessionmaker[Session]) -> TinySchool:
    with unit_of_work(factory, SYSTEM) as session:
        return build_school(session)
