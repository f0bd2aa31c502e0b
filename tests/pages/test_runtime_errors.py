"""The page runtime turns database failures into one Russian message, never a traceback.

Real failures: a PostgreSQL backend terminated mid-transaction, a read-only SQLite file, a full
SQLite file (`PRAGMA max_page_count`), a value PostgreSQL refuses, a session left pending.
"""

from __future__ import annotations

import contextlib
import logging

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

import components.kit.runtime as runtime
from components.kit import database_failures
from components.kit.database_failures import (
    CONNECTION_LOST,
    DATA_REFUSED,
    DISK_FULL,
    PENDING_ROLLBACK,
    READ_ONLY,
)
from components.kit.runtime import db
from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.errors import CONCURRENT_WRITE, DatabaseUnavailable, DomainError
from klassruk.models import ActivityLog
from klassruk.models.accounts import AppSetting
from klassruk.models.school import Subject
from tests.conftest import TEST_DATABASE_URL
from tests.factories import SYSTEM
from tests.pages.conftest import APP_TIMEOUT, login, open_app

on_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL")
on_sqlite = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="a SQLite file")


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)


def _terminate(database_url: str, pid: int) -> None:
    """Kill one backend from another connection, as an administrator or a crash would."""
    other = create_engine(database_url)
    with other.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_integrity_error_becomes_a_domain_error_and_is_rolled_back(app_env, factory):
    with db(SYSTEM) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
    with pytest.raises(DomainError) as error, db(SYSTEM) as session:
        session.add(Subject(name="Химия", short_name="Хим"))
        session.add(Subject(name="Физика", short_name="Физ"))
        session.flush()
    assert str(error.value) == CONCURRENT_WRITE
    with db(SYSTEM) as session:
        assert sorted(s.name for s in session.query(Subject)) == ["Физика"]


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # the misuse is the point
def test_a_pending_rollback_is_a_russian_message(app_env, engine, caplog):
    with db(SYSTEM) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
    with pytest.raises(DatabaseUnavailable) as error, db(SYSTEM) as session:
        session.add(Subject(name="Химия", short_name="Хим"))
        session.add(Subject(name="Физика", short_name="Физ"))
        with contextlib.suppress(IntegrityError):  # a service that swallows it and goes on
            session.flush()
        session.add(Subject(name="Биология", short_name="Био"))
        session.flush()
    assert str(error.value) == PENDING_ROLLBACK
    assert _count(engine, Subject) == 1
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)


@on_postgres
def test_connection_killed_mid_transaction_is_a_message_and_the_next_one_works(
    app_env, engine, caplog
):
    caplog.set_level(logging.ERROR, logger="components.kit.runtime")
    with pytest.raises(DatabaseUnavailable) as error, db(SYSTEM) as session:
        session.add(Subject(name="Химия", short_name="Хим"))
        session.flush()
        _terminate(app_env, session.scalar(text("SELECT pg_backend_pid()")))
        session.add(Subject(name="Физика", short_name="Физ"))
        session.flush()
    assert str(error.value) == CONNECTION_LOST
    assert _count(engine, Subject) == 0
    assert any(r.exc_info for r in caplog.records), "IT needs the traceback in the log"
    with db(SYSTEM) as session:  # the process is usable again: no dead connection reused
        session.add(Subject(name="Физика", short_name="Физ"))
    assert _count(engine, Subject) == 1


@on_postgres
def test_a_value_postgresql_refuses_is_a_message(app_env, engine):
    with pytest.raises(DatabaseUnavailable) as error, db(SYSTEM) as session:
        session.add(AppSetting(key="probe", value="сохранено бы"))
        session.flush()
        # (NUL, the classic, no longer reaches PostgreSQL: the text policy removes it.)
        session.execute(text("SELECT CAST(:typed AS integer)"), {"typed": "пять"})
    assert str(error.value) == DATA_REFUSED
    assert _count(engine, AppSetting) == 0


def _save_page() -> None:
    """A page that writes and then fails: the app's own script-run wrapper must catch it."""
    import os

    import streamlit as st
    from sqlalchemy import text

    from components.kit import runtime
    from klassruk.access.permissions import Actor
    from klassruk.models.school import Subject
    from tests.pages.test_runtime_errors import _fill_disk, _terminate

    failure = os.environ["KLASSRUK_TEST_FAILURE"]
    with runtime.script_run():
        st.title("Сохранение")
        if st.session_state.get("failed"):
            with runtime.db_read(Actor.system("test")) as session:
                st.text(f"предметов: {session.query(Subject).count()}")
            return
        st.session_state["failed"] = True
        with runtime.db(Actor.system("test")) as session:
            session.add(Subject(name="Химия", short_name="Хим"))
            session.flush()
            if failure == "killed":
                pid = session.scalar(text("SELECT pg_backend_pid()"))
                _terminate(runtime.settings().database_url, pid)
            else:
                _fill_disk(session)
            session.add(Subject(name="Физика", short_name="Физ"))
            session.flush()


def _fill_disk(session: Session) -> None:
    """Let the file grow no more and write more than fits in it."""
    pages = session.scalar(text("PRAGMA page_count"))
    session.execute(text(f"PRAGMA max_page_count = {pages}"))
    for n in range(400):
        session.add(AppSetting(key=f"k{n}", value="щ" * 240))
    session.flush()


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        pytest.param("killed", CONNECTION_LOST, marks=on_postgres),
        pytest.param("disk_full", DISK_FULL, marks=on_sqlite),
    ],
)
def test_a_page_whose_save_fails_shows_the_message_not_an_exception(
    app_env, engine, monkeypatch, failure, message
):
    monkeypatch.setenv("KLASSRUK_TEST_FAILURE", failure)
    at = AppTest.from_function(_save_page, default_timeout=APP_TIMEOUT).run()
    assert not at.exception
    assert [e.value for e in at.error] == [message]
    assert _count(engine, Subject) == 0
    assert _count(engine, AppSetting) == 0
    at.run()  # a reload: the same browser session reads the database again
    assert not at.exception and not at.error
    assert [t.value for t in at.text] == ["предметов: 0"]


@on_sqlite
def test_a_read_only_database_file_is_a_message_on_a_real_page(demo_app, engine, monkeypatch):
    at = login(open_app(), "klassruk")
    assert not at.exception
    activity = _count(engine, ActivityLog)
    engine.dispose()
    path = demo_app.removeprefix("sqlite:///")
    # Root ignores file modes: SQLite's own read-only open is the read-only file system here.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    runtime._process_settings.clear()
    at.switch_page("app_pages/class_journal.py").run()  # opening a page records the visit
    assert not at.exception
    assert [e.value for e in at.error] == [READ_ONLY]
    assert _count(engine, ActivityLog) == activity


@on_sqlite
def test_a_login_on_a_read_only_database_is_a_message_in_the_form(demo_app, engine, monkeypatch):
    # The form is checked in the button's callback, before the page's run: its database
    # failure must reach the form as the message, not as a traceback.
    at = open_app().run()
    activity = _count(engine, ActivityLog)
    engine.dispose()
    path = demo_app.removeprefix("sqlite:///")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    runtime._process_settings.clear()
    at.text_input(key="login_login").input("roditel")
    at.text_input(key="login_password").input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [READ_ONLY]
    assert at.text_input(key="login_login") is not None  # still the form: not logged in
    assert _count(engine, ActivityLog) == activity


def test_database_failures_on_disk_map_to_their_messages():
    """SQLite's own error texts: full disk, read-only file, a lock held too long."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    cases = {
        "database or disk is full": DISK_FULL,
        "attempt to write a readonly database": READ_ONLY,
        "database is locked": database_failures.DATABASE_BUSY,
    }
    for text_, message in cases.items():
        error = OperationalError("INSERT", {}, sqlite3.OperationalError(text_))
        assert database_failures.database_failure_message(error) == message


def test_an_unrelated_error_is_not_called_a_database_failure():
    assert database_failures.database_failure_message(ValueError("x")) is None


@on_postgres
def test_connection_killed_during_a_real_import_leaves_nothing_and_the_import_runs_again(
    app_env, factory, engine
):
    """The backend dies after the import wrote its first people: none of them stays."""
    from sqlalchemy import event

    from klassruk.models.school import Guardian, GuardianLink, Student
    from klassruk.services.roster.applying import apply_import
    from klassruk.services.roster.templates import template_csv
    from tests.core.services.roster.test_roster import ROWS
    from tests.factories import actor_of
    from tests.schools.roster_school import ON, TEACHER_A, build_school

    with db(SYSTEM) as session:
        school = build_school(session)
    with factory() as session:
        teacher = actor_of(session, TEACHER_A)
    content = template_csv(ROWS)
    before = [_count(engine, model) for model in (Student, Guardian, GuardianLink)]
    links_written: list[int] = []

    def kill_after_the_second_link(connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO guardian_link"):
            links_written.append(1)
            if len(links_written) == 2:
                _terminate(app_env, connection.exec_driver_sql("SELECT pg_backend_pid()").scalar())

    app_engine = runtime.session_factory().kw["bind"]
    event.listen(app_engine, "after_cursor_execute", kill_after_the_second_link)
    try:
        with pytest.raises(DatabaseUnavailable) as error, db(teacher) as session:
            apply_import(session, teacher, content=content, filename="roster.csv", on=ON,
                         class_id=school.class_a)
    finally:
        event.remove(app_engine, "after_cursor_execute", kill_after_the_second_link)
    assert len(links_written) >= 2, "the import was killed after it had written people"
    assert str(error.value) == CONNECTION_LOST
    assert [_count(engine, model) for model in (Student, Guardian, GuardianLink)] == before
    with db(teacher) as session:
        apply_import(session, teacher, content=content, filename="roster.csv", on=ON,
                     class_id=school.class_a)
    assert _count(engine, Student) == before[0] + 3
