"""Per-process resources (engine, session factory) and per-run database sessions."""

from __future__ import annotations

import logging
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

_log = logging.getLogger(__name__)


def settings() -> Settings:
    """This process's settings (cheap to read; environment changes take effect at once)."""
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


@contextmanager
def db(actor: Actor) -> Iterator[Session]:
    """One transaction acting as `actor`; a constraint violation becomes a clear message."""
    try:
        with unit_of_work(session_factory(), actor) as session:
            yield session
    except IntegrityError as error:
        # Services lock what they compare; a duplicate that still slips through (e.g. two
        # sessions creating the same record) is rolled back and shown as a message, not a trace.
        _log.warning("integrity error rolled back: %s", error.orig)
        raise DomainError(CONCURRENT_WRITE) from error
