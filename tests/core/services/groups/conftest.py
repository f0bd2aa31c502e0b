"""The study-group tests' school."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.core.services.groups.group_school import School, build_school


@pytest.fixture
def school(session: Session) -> School:
    return build_school(session)
