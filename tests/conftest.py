"""Shared fixtures: a fresh database per test, on SQLite or on TEST_DATABASE_URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import Engine, create_engine, make_url, text
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


def reset_postgres_schema(url: str) -> None:
    """Drop and recreate the public schema, so each test starts from nothing."""
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
def database_url(tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or the cleaned PostgreSQL test database."""
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database holding the full schema."""
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    # The app migrates an unstamped database on start; this schema is already complete.
    command.stamp(alembic_config(database_url), "head")
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
