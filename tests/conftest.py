"""Shared fixtures: a fresh database per test, on SQLite or on TEST_DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

os.environ.setdefault("KLASSRUK_PASSWORD_HASH_COST", "test")

from alembic import command
from alembic.script import ScriptDirectory

from klassruk.access.permissions import Actor
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.infra.schema import alembic_config
from klassruk.models import Base
from tests.frozen import FROZEN_AT, shared_clock_environment

SYSTEM = Actor.system("test")


def _database_of_this_worker(url: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database, created beside the given one.

    Tests drop and recreate the schema of their database: two workers on one database would
    wipe each other's tables mid-test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    admin.dispose()
    rendered = own.render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = rendered  # subprocesses started by tests use it too
    return rendered


TEST_DATABASE_URL = _database_of_this_worker(os.environ.get("TEST_DATABASE_URL", ""))


@pytest.fixture(scope="session", autouse=True)
def shared_clock() -> Iterator[None]:
    """The session and every Python process it starts live at FROZEN_AT from the start, ticking.

    Session-wide fixtures (the browser tests' server and its demo school, a module's cluster)
    then agree on the day with the tests, whatever the real date is.
    """
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(FROZEN_AT, tick=True):
        for name, value in shared_clock_environment().items():
            patch.setenv(name, value)
        yield


@pytest.fixture(autouse=True)
def frozen_clock(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[time_machine.Traveller | None]:
    """Every test, and every process it starts, begins on one school day at 10:00; time ticks.

    Browser tests keep the session's clock: their server was started with it.
    """
    if request.node.get_closest_marker("browser"):
        yield None
        return
    for name, value in shared_clock_environment().items():
        monkeypatch.setenv(name, value)
    with time_machine.travel(FROZEN_AT, tick=True) as traveller:
        yield traveller


# What the full schema a worker built on its PostgreSQL database looked like (per URL): the next
# test on the full schema empties its tables in place when it still looks so (a few ms instead of
# ~0.3-0.9 s to drop and create 51 tables; the suite's PostgreSQL run took twice SQLite's).
_FULL_SCHEMA_BUILT: dict[str, str] = {}
# Every table, column, index, constraint and trigger of the public schema, and the stamped revision.
_SCHEMA_FINGERPRINT = text("""
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
  SELECT concat_ws(':', c.relname, c.relkind::text, a.attname,
                   format_type(a.atttypid, a.atttypmod), a.attnotnull::text) AS item
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT concat_ws(':', conname, pg_get_constraintdef(oid)) FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal
  AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
  UNION ALL SELECT 'revision:' || version_num FROM alembic_version
) AS schema_items
""")
_RESTART_SEQUENCES = text(
    "SELECT setval(s.oid, 1, false) FROM pg_class s"
    " WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace"
)


def _url_key(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=False)


def emptied_in_place(engine: Engine) -> bool:
    """Empty the full schema's tables and restart its sequences, if this worker built it as is."""
    built = _FULL_SCHEMA_BUILT.get(_url_key(engine.url))
    if built is None:
        return False
    with engine.begin() as connection:
        if connection.scalar(_SCHEMA_FINGERPRINT) != built:
            return False
        # As a restore would: no triggers, no foreign-key checks while the rows go.
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.exec_driver_sql(
            "; ".join(f'DELETE FROM "{table.name}"' for table in Base.metadata.sorted_tables)
        )
        connection.execute(_RESTART_SEQUENCES).all()
    return True


def build_full_schema(engine: Engine) -> None:
    """The full schema, stamped at head, on an empty database (PostgreSQL: remembered as built)."""
    Base.metadata.create_all(engine)
    # The app migrates an unstamped database on start; this schema is already complete.
    command.stamp(alembic_config(_url_key(engine.url)), "head")
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            _FULL_SCHEMA_BUILT[_url_key(engine.url)] = connection.scalar(_SCHEMA_FINGERPRINT)


def reset_postgres_schema(url: str) -> None:
    """Drop and recreate the public schema, so each test starts from nothing."""
    _FULL_SCHEMA_BUILT.pop(_url_key(url), None)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fresh_database(database_url: str, tmp_path: Path, suffix: str) -> str:
    """An empty database like `database_url`: a SQLite file, or `<db>_<suffix>` on its server."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
    url = make_url(database_url)
    name = f"{url.database}_{suffix}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    target = url.set(database=name).render_as_string(hide_password=False)
    reset_postgres_schema(target)
    return target


def upgrade_to_before(database_url: str, revision: str) -> None:
    """Migrate up to the revision just before `revision`, to test what that migration repairs."""
    config = alembic_config(database_url)
    before = ScriptDirectory.from_config(config).get_revision(revision).down_revision
    assert isinstance(before, str)
    command.upgrade(config, before)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the cleaned PostgreSQL test database."""
    if TEST_DATABASE_URL:
        if "engine" not in request.fixturenames:  # `engine` empties the full schema itself
            reset_postgres_schema(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database holding the full schema, every table empty."""
    engine = make_engine(database_url)
    if not TEST_DATABASE_URL:
        build_full_schema(engine)
    elif not emptied_in_place(engine):
        reset_postgres_schema(database_url)
        build_full_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    """The app's own session factory (with the audit hook)."""
    return make_session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session acting as the system; tests swap `session.info['actor']` to act as users."""
    session = factory()
    session.info["actor"] = SYSTEM
    yield session
    session.rollback()
    session.close()
