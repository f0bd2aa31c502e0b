"""Health of a process: the database answers and its schema fits the code."""

from __future__ import annotations

from alembic import command

from klassruk.infra.schema import alembic_config, upgrade_to_head
from klassruk.operations.monitoring import health


def test_health_is_ok_only_on_a_reachable_database_of_the_current_schema(database_url):
    assert health(database_url) == (False, {"database": "ok", "schema": "empty"})
    command.upgrade(alembic_config(database_url), "0013")
    assert health(database_url) == (False, {"database": "ok", "schema": "behind"})
    upgrade_to_head(database_url)
    assert health(database_url) == (True, {"database": "ok", "schema": "current"})
    ok, body = health("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert not ok and body["database"] == "unavailable"
