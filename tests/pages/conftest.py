"""AppTest harness: the real app.py on a fresh demo database, logged in through the form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DEMO_PASSWORD, SMALL
from klassruk.infra.db import unit_of_work
from tests.factories import SYSTEM

APP_TIMEOUT = 60
APP_PATH = str(Path(__file__).resolve().parents[2] / "app.py")


def open_app() -> AppTest:
    """A fresh AppTest of the real entry point."""
    return AppTest.from_file(APP_PATH, default_timeout=APP_TIMEOUT)


@pytest.fixture
def app_env(monkeypatch, tmp_path, database_url):
    """Point the app at the test database and a private data folder."""
    # The engine cache is keyed by URL; on PostgreSQL every test reuses the URL of a reset schema.
    st.cache_resource.clear()
    st.cache_data.clear()  # keyed by URL and data version, both repeat across tests
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KLASSRUK_DATA_DIR", str(tmp_path / "data"))
    return database_url


@pytest.fixture
def demo_app(app_env, factory):
    """A demo school in the test database (schema from the models, as in every test)."""
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    return app_env


def login(at: AppTest, user: str, password: str = DEMO_PASSWORD) -> AppTest:
    """Fill and submit the login form of a fresh AppTest."""
    at.run()
    at.text_input(key="login_login").input(user)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def logged_in(demo_app) -> Callable[[str], AppTest]:
    """Open the app and log in as a demo account."""

    def _open(user: str, password: str = DEMO_PASSWORD) -> AppTest:
        return login(open_app(), user, password)

    return _open
