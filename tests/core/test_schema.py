"""Migrations: upgrade from an empty database to head, with no drift from the models."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from klassruk.db import make_engine
from klassruk.models import Base
from klassruk.schema import (
    SchemaState,
    alembic_config,
    is_up_to_date,
    schema_drift,
    schema_problem,
    schema_state,
    upgrade_to_head,
)


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


def test_schema_state_tells_empty_behind_current_and_ahead(database_url):
    assert schema_state(database_url) is SchemaState.EMPTY
    command.upgrade(alembic_config(database_url), "0013")
    assert schema_state(database_url) is SchemaState.BEHIND
    assert "python -m klassruk migrate" in (schema_problem(database_url) or "")
    upgrade_to_head(database_url)
    assert schema_state(database_url) is SchemaState.CURRENT
    assert schema_problem(database_url) is None
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff'")
    engine.dispose()
    assert schema_state(database_url) is SchemaState.AHEAD
