"""The accounts tests' teacher: one account with the test password."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Role
from klassruk.infra.db import unit_of_work
from tests.factories import SYSTEM, make_account


@pytest.fixture
def teacher(factory: sessionmaker[Session]) -> str:
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "petrova.anna", {Role.TEACHER})
    return "petrova.anna"
