"""The PostgreSQL test database is emptied in place only while its full schema is unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from klassruk.infra.db import make_engine
from tests.conftest import TEST_DATABASE_URL, build_full_schema, emptied_in_place

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL")

NEW_YEAR = text(
    "INSERT INTO school_year (name, starts_on, ends_on, is_current)"
    " VALUES (:name, '2026-09-01', '2027-05-31', true) RETURNING id"
)


def test_the_full_schema_is_emptied_in_place_while_it_is_unchanged(database_url):
    engine = make_engine(database_url)  # `database_url` alone: an empty public schema
    try:
        assert not emptied_in_place(engine)  # nothing built yet: nothing to trust
        build_full_schema(engine)
        with engine.begin() as connection:
            connection.execute(NEW_YEAR, {"name": "2026/2027"})
            assert connection.execute(NEW_YEAR, {"name": "2027/2028"}).scalar_one() == 2
        assert emptied_in_place(engine)
        with engine.begin() as connection:
            assert connection.scalar(text("SELECT count(*) FROM school_year")) == 0
            # As on a new schema: the ids start again at 1.
            assert connection.execute(NEW_YEAR, {"name": "2026/2027"}).scalar_one() == 1
            connection.execute(text("ALTER TABLE school_year ADD COLUMN stray integer"))
        assert not emptied_in_place(engine)  # a changed schema is rebuilt, not trusted
    finally:
        engine.dispose()
