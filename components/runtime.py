"""Per-process resources (settings, engine, school settings) and per-run database sessions."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from klassruk.db import make_engine, make_session_factory, unit_of_work
from klassruk.errors import CONCURRENT_WRITE, DomainError
from klassruk.permissions import Actor
from klassruk.schema import is_up_to_date, upgrade_to_head
from klassruk.settings import Settings, load_settings
from klassruk.setup import SchoolSettings, SetupState, read_school_settings

# How long a process trusts its copy of the school settings: another process may change them.
SCHOOL_SETTINGS_TTL_S = 60.0
_SETTINGS_READER = Actor.system("settings")

_log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """This process's settings, read once (the environment and secrets file do not change)."""
    return load_settings()


@st.cache_resource(show_spinner="Подготовка базы данных…")
def _factory_for(database_url: str) -> sessionmaker[Session]:
    # Keyed by URL: tests and the app in one process must not share engines across databases.
    if not is_up_to_date(database_url):
        upgrade_to_head(database_url)
    return make_session_factory(make_engine(database_url))


def session_factory() -> sessionmaker[Session]:
    """The session factory of the configured database, migrated to the newest schema."""
    return _factory_for(settings().database_url)


def browser_session_id() -> str:
    """A random id of this browser session, written into audit and activity rows."""
    if "browser_session_id" not in st.session_state:
        st.session_state["browser_session_id"] = uuid.uuid4().hex
    return str(st.session_state["browser_session_id"])


def adopt_browser_session_id(session_id: str) -> None:
    """Carry on the browser session a login cookie names (a reload starts a new Streamlit one)."""
    st.session_state["browser_session_id"] = session_id


@contextmanager
def db(actor: Actor) -> Iterator[Session]:
    """One write transaction acting as `actor` (SQLite: takes the write lock at once).

    A constraint violation becomes a clear message.
    """
    try:
        with unit_of_work(session_factory(), actor) as session:
            yield session
    except IntegrityError as error:
        # Services lock what they compare; a duplicate that still slips through (e.g. two
        # sessions creating the same record) is rolled back and shown as a message, not a trace.
        _log.warning("integrity error rolled back: %s", error.orig)
        raise DomainError(CONCURRENT_WRITE) from error


@contextmanager
def db_read(actor: Actor) -> Iterator[Session]:
    """One read-only transaction acting as `actor`: no write lock; any write raises."""
    with unit_of_work(session_factory(), actor, read_only=True) as session:
        yield session


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
