"""AppTest harness: the real app.py on a fresh demo database, logged in through the form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DEMO_PASSWORD, SMALL
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.school import SchoolClass, StudyGroup, TeachingAssignment
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


def teach_a_tenth_grade(factory, login: str) -> None:
    """Give `login` a lesson of a 10th grade, so lists sorted as text («10А» < «7А») show it."""
    with unit_of_work(factory, SYSTEM) as session:
        staff_id = session.scalar(select(UserAccount.staff_id).where(UserAccount.login == login))
        # The small demo ends at grade 7: its 5th grade becomes a 10th, and one of its
        # lessons goes to the teacher.
        assignment = session.scalars(
            select(TeachingAssignment)
            .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
            .join(SchoolClass, SchoolClass.id == StudyGroup.class_id)
            .where(SchoolClass.grade == 5)
            .order_by(TeachingAssignment.id)
            .limit(1)
        ).one()
        assert assignment.group.school_class is not None and staff_id is not None
        assignment.group.school_class.grade = 10
        assignment.group.name = "10А — весь класс"
        assignment.staff_id = staff_id
