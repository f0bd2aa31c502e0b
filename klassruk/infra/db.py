"""Engine and session factory; SQLite is tuned for several concurrent app sessions.

Two kinds of unit of work: a write unit takes SQLite's write lock at its first statement
(BEGIN IMMEDIATE, so it never has to upgrade a read lock and lose the race), a read-only unit
starts a deferred transaction that takes no write lock and refuses to flush any change.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.audit.log import install_audit_hook
from klassruk.infra.data_versions import install_version_hook
from klassruk.infra.limits import install_limits_hook
from klassruk.infra.settings import ensure_private_dir
from klassruk.text.policy import install_text_hook

SQLITE_BUSY_TIMEOUT_S = 15.0
# Connections per app process. One is held only inside a unit of work, but a busy process runs
# many script threads at once (one per running session, all slowed by the GIL), more than
# SQLAlchemy's default 5 + 10; a thread waits up to 30 s for one and then fails the run. On
# PostgreSQL keep processes × (POOL_SIZE + POOL_OVERFLOW) below max_connections (default 100).
POOL_SIZE = 20
POOL_OVERFLOW = 10
# Engine execution option that marks the connections of read-only units of work.
READ_ONLY_OPTION = "klassruk_read_only"
_READ_CACHES = "klassruk_read_caches"
# PostgreSQL aborts one of two transactions that wait on each other (deadlock) or that a
# serializable run could not order; the victim changed nothing and may simply run again.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})
TRANSACTION_ATTEMPTS = 3

T = TypeVar("T")


class ReadOnlyViolation(RuntimeError):
    """A read-only unit of work tried to write: the caller must open a write unit instead."""


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    # Measured (STACK_NOTES): only WAL + BEGIN IMMEDIATE lost no updates under concurrent writers.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's own lower() folds ASCII only; searches must fold Cyrillic as PostgreSQL does.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = bool(connection.get_execution_options().get(READ_ONLY_OPTION))
        # query_only makes a stray UPDATE fail instead of upgrading the deferred read lock.
        pooled = connection.connection.info
        if pooled.get("query_only", False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            pooled["query_only"] = read_only
        # A deferred BEGIN takes no write lock; a write unit takes it at once.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _private_sqlite_file(url: str) -> None:
    """Create the database file 0600 before SQLite does; its WAL and SHM copy that mode."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.exists():
        ensure_private_dir(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for existing in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if existing.exists():
            os.chmod(existing, 0o600)  # files of an older version were created 0644


def make_engine(url: str, *, busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S) -> Engine:
    """Create an engine for `url`; SQLite waits up to `busy_timeout_s` for the write lock."""
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        connect_args = {"check_same_thread": False, "timeout": busy_timeout_s}
        database = make_url(url).database
        # An in-memory database lives in one connection (SQLAlchemy's own pool): no sizes.
        in_memory = not database or database == ":memory:" or "mode=memory" in url
        pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(url, connect_args=connect_args, **pool)
        _configure_sqlite(engine, busy_timeout_s)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
    )


def _refuse_writes_in_read_only_units(factory: sessionmaker[Session]) -> None:
    @event.listens_for(factory, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if not session.info.get(READ_ONLY_OPTION):
            return
        changed = session.new or session.deleted or any(map(session.is_modified, session.dirty))
        if changed:
            raise ReadOnlyViolation("write attempted in a read-only unit of work")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that check column limits and write audit rows for every change."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    install_text_hook(factory)  # first: what is audited and length-checked is what is stored
    install_audit_hook(factory)
    install_limits_hook(factory)
    install_version_hook(factory)
    _refuse_writes_in_read_only_units(factory)
    # One option engine per factory: it shares the pool and the events of `engine`.
    options: dict[str, Any] = {READ_ONLY_OPTION: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True  # BEGIN READ ONLY, no extra round trip
    _READ_ONLY_BINDS[factory] = engine.execution_options(**options)
    return factory


def read_only_cache(session: Session, name: str) -> dict[Any, Any]:
    """A cache for one read-only transaction, where nothing can change what it holds.

    A writing session gets a fresh empty dict each time: it caches nothing.
    """
    if session.info.get(READ_ONLY_OPTION):
        cache: dict[Any, Any] = session.info.setdefault(_READ_CACHES, {}).setdefault(name, {})
        return cache
    return {}


def read_only_session(factory: sessionmaker[Session], actor: Actor) -> Session:
    """A session that takes no write lock on SQLite and raises `ReadOnlyViolation` on a write."""
    session = factory(bind=_READ_ONLY_BINDS[factory])
    session.info[READ_ONLY_OPTION] = True
    session.info["actor"] = actor
    return session


def end_read_only_transaction(session: Session, *, failed: bool = False) -> None:
    """End the transaction (rolled back if `failed`) and drop its cache: the next read is fresh."""
    # COMMIT ends a read-only transaction as well as ROLLBACK does, and psycopg forgets every
    # statement it prepared on a connection at each ROLLBACK: PostgreSQL then parsed and planned
    # every read of every run afresh (~0.3–0.6 ms of its CPU a query, in its log).
    session.info.pop(_READ_CACHES, None)
    try:
        if not failed:
            session.expunge_all()  # the commit flushes nothing a page changed for display
            session.commit()
    finally:
        session.close()


_READ_ONLY_BINDS: weakref.WeakKeyDictionary[sessionmaker[Session], Engine] = (
    weakref.WeakKeyDictionary()
)


@contextmanager
def unit_of_work(
    factory: sessionmaker[Session], actor: Actor, *, read_only: bool = False
) -> Iterator[Session]:
    """One transaction acting as `actor`: commit on success, roll back on any error.

    `read_only=True` takes no write lock on SQLite and raises `ReadOnlyViolation` on a flush
    that would change anything.
    """
    session = read_only_session(factory, actor) if read_only else factory()
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_transient_failure(error: BaseException) -> bool:
    """Whether the database aborted the transaction only to break a deadlock or a serialization."""
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(error, DBAPIError) and sqlstate in TRANSIENT_SQLSTATES


def run_in_transaction(
    factory: sessionmaker[Session],
    actor: Actor,
    change: Callable[[Session], T],
    *,
    attempts: int = TRANSACTION_ATTEMPTS,
) -> T:
    """Run `change` in one write unit of work; again if the database made it a deadlock victim."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(factory, actor) as session:
                return change(session)
        except DBAPIError as error:
            if attempt == attempts or not is_transient_failure(error):
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")
