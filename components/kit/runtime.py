"""Per-process resources (settings, engine, school settings) and per-run database sessions."""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st
from sqlalchemy.exc import (
    IntegrityError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker
from streamlit import runtime

from components.kit.database_failures import CONNECTION_LOST, database_failure_message
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.errors import DatabaseUnavailable, DomainError
from klassruk.infra.db import (
    end_read_only_transaction,
    make_engine,
    make_session_factory,
    read_only_session,
    run_in_transaction,
    unit_of_work,
)
from klassruk.infra.schema import schema_problem
from klassruk.infra.settings import Settings, load_settings
from klassruk.operations.monitoring import ERRORS, SCRIPT_RUN_SECONDS, SESSIONS
from klassruk.services.school_settings import SchoolSettings, SetupState, read_school_settings

# How long a process trusts its copy of the school settings: another process may change them.
SCHOOL_SETTINGS_TTL_S = 60.0
_SETTINGS_READER = Actor.system("settings")

T = TypeVar("T")
_log = logging.getLogger(__name__)


# The script run of this thread (Streamlit runs each script run in a thread of its own).
_this_run = threading.local()


def _once_per_run(name: str, compute: Callable[[], T]) -> T:
    """`compute()` once per script run (outside a run: every time)."""
    # A Streamlit cache lookup costs ~50 µs, and the settings and the session factory are asked
    # for a dozen times a run (2 % of a family page's CPU).
    memo: dict[str, object] | None = getattr(_this_run, "memo", None)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]  # type: ignore[return-value]


@st.cache_resource(show_spinner=False)
def _process_settings() -> Settings:
    return load_settings()


def settings() -> Settings:
    """This process's settings, read once (the environment and secrets file do not change)."""
    return _once_per_run("settings", _process_settings)


@st.cache_resource(show_spinner=False)
def _factory_for(database_url: str) -> sessionmaker[Session]:
    # Keyed by URL: tests and the app in one process must not share engines across databases.
    return make_session_factory(make_engine(database_url))


def _connected_sessions() -> float:
    # Streamlit has no public count of sessions; its session manager is read defensively.
    try:
        manager = runtime.get_instance()._session_mgr
        return float(len(manager.list_active_sessions()))
    except Exception:
        return float("nan")


SESSIONS.set_function(_connected_sessions)


@st.cache_resource(show_spinner=False)
def _fitting_schemas() -> set[str]:
    # URLs whose schema fits this code. A misfit is checked again on the next run, so the app
    # works as soon as IT has run `python -m klassruk migrate`.
    return set()


def schema_problem_of_database() -> str | None:
    """Why this process must not serve its database (a schema of another version), or None."""
    url = settings().database_url
    if url in _fitting_schemas():
        return None
    problem = schema_problem(url)
    if problem is None:
        _fitting_schemas().add(url)
    else:
        _log.error("Schema of %s does not fit this code: %s", url, problem)
    return problem


def session_factory() -> sessionmaker[Session]:
    """The session factory of the configured database (its schema checked by app.py)."""
    return _once_per_run("factory", lambda: _factory_for(settings().database_url))


def browser_session_id() -> str:
    """A random id of this browser session, written into audit and activity rows."""
    if "browser_session_id" not in st.session_state:
        st.session_state["browser_session_id"] = uuid.uuid4().hex
    return str(st.session_state["browser_session_id"])


def adopt_browser_session_id(session_id: str) -> None:
    """Carry on the browser session a login cookie names (a reload starts a new Streamlit one)."""
    st.session_state["browser_session_id"] = session_id


@contextmanager
def script_run() -> Iterator[None]:
    """One script run: its reads share one read-only transaction, ended with the run.

    A run is one view of the data: what a page checked before its content (scope, consent,
    the period) holds for the services it calls next, and the database begins once, not per
    read. A write in the run ends that transaction first, so later reads see the write.
    A database failure or a domain error no page caught ends the run with its message.
    """
    _this_run.active = True
    _this_run.after = []
    _this_run.memo = {}
    started = time.monotonic()
    try:
        with _database_failures():
            try:
                yield
            finally:
                _write_after_run()  # also when the page stopped or asked for a rerun
    except DomainError as error:
        # A page drawing its content (outside `reported_errors`) stops here, not in a traceback.
        st.error(escape(str(error)))
    finally:
        SCRIPT_RUN_SECONDS.observe(time.monotonic() - started)
        _this_run.active = False
        _this_run.after = []
        _this_run.memo = None
        reads = getattr(_this_run, "reads", None)
        _this_run.reads = None
        if reads is not None:
            _close_quietly(reads)
        freeze_imported_code()


def after_run(write: Callable[[], None]) -> None:
    """Do `write` once the page is drawn: a record this run's reads need not see.

    A write in the middle of a run ends its read-only transaction: what the page checked
    before (scope, consent) is read again after it, in a new transaction. A screen's activity
    row, written at the end, costs the run one write and nothing more. Outside a script run
    (tests of components) the write is done at once.
    """
    if getattr(_this_run, "active", False):
        _this_run.after.append(write)
    else:
        write()


def _write_after_run() -> None:
    writes, _this_run.after = _this_run.after, []
    for write in writes:
        write()


_freezing = threading.Lock()
_modules_frozen = 0


def freeze_imported_code() -> None:
    """After a run that imported modules, move what exists out of the full collector's way.

    A process keeps its imports (pandas, altair, SQLAlchemy: ~200,000 objects) for life, yet
    every full garbage collection walked them again: 90-230 ms with the GIL held, stalling
    every user of the process (py-spy and gc callbacks, a running server). Frozen, a full
    collection took 25-30 ms. Only runs that imported something pay the collection before it.
    """
    global _modules_frozen
    if len(sys.modules) == _modules_frozen or not _freezing.acquire(blocking=False):
        return
    try:
        _modules_frozen = len(sys.modules)
        gc.collect()  # what is garbage now is not frozen with the rest
        gc.freeze()
    finally:
        _freezing.release()


def _end_run_reads(*, failed: bool = False) -> None:
    reads = getattr(_this_run, "reads", None)
    if reads is not None:
        _close_quietly(reads, failed=failed)  # the session stays the run's: a new transaction next


def _close_quietly(session: Session, *, failed: bool = False) -> None:
    """End a read-only transaction; on a dead connection there is nothing left to end."""
    try:
        end_read_only_transaction(session, failed=failed)
    except SQLAlchemyError:
        _log.warning("closing a read-only session failed", exc_info=True)


@contextmanager
def _database_failures() -> Iterator[None]:
    """Turn a failure of the database into `DatabaseUnavailable` (logged with the traceback)."""
    try:
        yield
    except SQLAlchemyError as error:
        message = database_failure_message(error)
        assert message is not None
        if isinstance(error, IntegrityError):
            # Services lock what they compare; a duplicate that still slips through (e.g. two
            # sessions creating the same record) is rolled back and shown as a message.
            _log.warning("integrity error rolled back: %s", error.orig)
            ERRORS.labels(kind="integrity").inc()
            raise DomainError(message) from error
        _log.error("database failure, the transaction was rolled back", exc_info=error)
        ERRORS.labels(kind="database").inc()
        if message is CONNECTION_LOST:
            # Other pooled connections may be as dead as this one: the next run connects anew.
            session_factory().kw["bind"].dispose()
        raise DatabaseUnavailable(message) from error


@contextmanager
def db(actor: Actor) -> Iterator[Session]:
    """One write transaction acting as `actor` (SQLite: takes the write lock at once).

    A constraint violation or a failure of the database becomes a clear Russian message.
    """
    with _database_failures():
        _end_run_reads()
        with unit_of_work(session_factory(), actor) as session:
            yield session


def transact(actor: Actor, change: Callable[[Session], T]) -> T:
    """Run `change` in one write transaction, retried when PostgreSQL broke a deadlock with it."""
    with _database_failures():
        _end_run_reads()
        return run_in_transaction(session_factory(), actor, change)


@contextmanager
def db_read(actor: Actor) -> Iterator[Session]:
    """Read-only work acting as `actor`: no write lock; any write raises.

    Within a script run it is the run's one read-only transaction (see `script_run`);
    outside one (tests of components, scripts) a transaction of its own.
    """
    if not getattr(_this_run, "active", False):
        with _database_failures(), unit_of_work(
            session_factory(), actor, read_only=True
        ) as session:
            yield session
        return
    reads: Session | None = getattr(_this_run, "reads", None)
    if reads is None:
        reads = _this_run.reads = read_only_session(session_factory(), actor)
    session = reads
    session.info["actor"] = actor
    try:
        with _database_failures():
            yield session
            session.flush()  # raises ReadOnlyViolation if the block changed anything
    except BaseException:
        _end_run_reads(failed=True)  # a failed statement leaves the transaction unusable
        raise
    finally:
        # What the block loaded leaves the session, as it did when each read had its own:
        # a page may change such an object for display without it being written.
        session.expunge_all()


class _SchoolSettingsCache:
    """The last school settings read by this process, and when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: SchoolSettings | None = None
        self.read_at = 0.0


@st.cache_resource(show_spinner=False)
def _school_settings_cache(database_url: str) -> _SchoolSettingsCache:
    return _SchoolSettingsCache()


# The settings this run uses: read once, as the run starts (app.py), never inside a page's
# transaction; the per-process copy below spares the database most of those reads.
_THIS_RUN = "school_settings_this_run"


def forget_school_settings() -> None:
    """Make the next run read the school settings again (after the admin changed one)."""
    cache = _school_settings_cache(settings().database_url)
    with cache.lock:
        cache.value = None
    st.session_state.pop(_THIS_RUN, None)


def start_run_school_settings() -> SchoolSettings:
    """Read the school settings for this run (at most once a minute per process from the DB)."""
    cache = _school_settings_cache(settings().database_url)
    with cache.lock:
        fresh = cache.value is not None and time.monotonic() - cache.read_at < SCHOOL_SETTINGS_TTL_S
        value = cache.value if fresh else None
    if value is None:
        with db_read(_SETTINGS_READER) as session:
            value = read_school_settings(session)
        # An empty database is not cached: the first account must show up on the next run.
        if value.state is SetupState.READY:
            with cache.lock:
                cache.value, cache.read_at = value, time.monotonic()
    st.session_state[_THIS_RUN] = value
    return value


def school_settings() -> SchoolSettings:
    """Name, time zone, address and setup state as this run read them when it started."""
    value = st.session_state.get(_THIS_RUN)
    return value if isinstance(value, SchoolSettings) else start_run_school_settings()
