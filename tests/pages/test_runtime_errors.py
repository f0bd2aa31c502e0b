"""The page runtime turns a constraint violation into a Russian message, never a traceback."""

from __future__ import annotations

import pytest

from components.runtime import db
from klassruk.errors import CONCURRENT_WRITE, DomainError
from klassruk.models import Subject
from tests.factories import SYSTEM


def test_integrity_error_becomes_a_domain_error_and_is_rolled_back(app_env, factory):
    with db(SYSTEM) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
    with pytest.raises(DomainError) as error, db(SYSTEM) as session:
        session.add(Subject(name="Химия", short_name="Хим"))
        session.add(Subject(name="Физика", short_name="Физ"))
        session.flush()
    assert str(error.value) == CONCURRENT_WRITE
    with db(SYSTEM) as session:
        assert sorted(s.name for s in session.query(Subject)) == ["Физика"]
