"""Migrations: upgrade from an empty database to head, with no drift from the models."""

from __future__ import annotations

from sqlalchemy import inspect

from klassruk.db import make_engine
from klassruk.models import Base
from klassruk.schema import is_up_to_date, schema_drift, upgrade_to_head


def test_upgrade_from_empty_to_head_matches_the_models(database_url):
    assert not is_up_to_date(database_url)
    upgrade_to_head(database_url)
    assert is_up_to_date(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert schema_drift(database_url) == []


def test_upgrade_is_idempotent(database_url):
    upgrade_to_head(database_url)
    upgrade_to_head(database_url)
    assert is_up_to_date(database_url)
