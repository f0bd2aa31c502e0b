"""Units of work: read-only ones take no write lock, logins under load never see a lock error."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.passwords import hash_password
from klassruk.access.permissions import Role
from klassruk.infra.db import (
    ReadOnlyViolation,
    end_read_only_transaction,
    make_engine,
    make_session_factory,
    read_only_session,
    run_in_transaction,
    unit_of_work,
)
from klassruk.models import ActivityLog
from klassruk.models.accounts import AppSetting, UserAccount
from klassruk.services.accounts.login import LockoutPolicy
from tests.conftest import TEST_DATABASE_URL
from tests.factories import SYSTEM, TEST_PASSWORD, attempt_login, make_account

# A writer that waits this long at most; a password check at SLOW_HASHER takes seconds.
BUSY_TIMEOUT_S = 0.3
SLOW_HASHER = PasswordHasher(time_cost=150, memory_cost=19456, parallelism=1)
# ~60 ms a check in 1 MiB: 50 logins at once overlap without taking 50 × 19 MiB.
OVERLAPPING_HASHER = PasswordHasher(time_cost=150, memory_cost=1024, parallelism=1)
CONCURRENT_LOGINS = 50
POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)


@pytest.fixture
def impatient_factory(database_url, engine) -> sessionmaker[Session]:
    """A second engine on the same database whose writers wait at most BUSY_TIMEOUT_S."""
    other = make_engine(database_url, busy_timeout_s=BUSY_TIMEOUT_S)
    yield make_session_factory(other)
    other.dispose()


def test_read_only_unit_refuses_an_orm_write_and_changes_nothing(factory):
    with pytest.raises(ReadOnlyViolation), unit_of_work(factory, SYSTEM, read_only=True) as s:
        s.add(AppSetting(key="school_name", value="Школа № 1"))
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.get(AppSetting, "school_name") is None


def test_read_only_unit_refuses_a_statement_write_in_the_database(factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.add(AppSetting(key="school_name", value="Школа № 1"))
    with pytest.raises(DBAPIError), unit_of_work(factory, SYSTEM, read_only=True) as session:
        session.execute(update(AppSetting).values(value="Другая"))
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.get(AppSetting, "school_name").value == "Школа № 1"
    # The pooled connection goes back to writing for the next write unit.
    with unit_of_work(factory, SYSTEM) as session:
        session.get(AppSetting, "school_name").value = "Школа № 2"
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.scalar(select(AppSetting.value)) == "Школа № 2"


def test_open_read_only_unit_does_not_block_a_writer(factory, impatient_factory):
    reading = threading.Event()
    written = threading.Event()

    def write() -> None:
        reading.wait()
        with unit_of_work(impatient_factory, SYSTEM) as session:
            session.add(AppSetting(key="timezone", value="Asia/Yekaterinburg"))
        written.set()

    writer = threading.Thread(target=write)
    writer.start()
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.scalar(select(AppSetting.value)) is None
        reading.set()
        # The writer commits while this read transaction is still open.
        assert written.wait(timeout=BUSY_TIMEOUT_S * 5), "the writer was blocked by a reader"
    writer.join()


def _accounts_with_hash(factory, logins: list[str], hasher: PasswordHasher) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        for login in logins:
            make_account(session, login, {Role.GUARDIAN})
        slow_hash = hash_password(TEST_PASSWORD, hasher=hasher)
        session.execute(
            update(UserAccount).where(UserAccount.login.in_(logins)).values(password_hash=slow_hash)
        )


def test_password_check_holds_no_write_lock(factory, impatient_factory):
    _accounts_with_hash(factory, ["roditel"], SLOW_HASHER)
    outcome: list[str | None] = []
    login = threading.Thread(
        target=lambda: outcome.append(
            attempt_login(factory, "roditel", TEST_PASSWORD, policy=POLICY).error
        )
    )
    login.start()
    time.sleep(BUSY_TIMEOUT_S)  # the login is inside the hash check now (it takes seconds)
    assert login.is_alive()
    with unit_of_work(impatient_factory, SYSTEM) as session:
        session.add(AppSetting(key="timezone", value="Asia/Omsk"))
    login.join()
    assert outcome == [None]


def test_fifty_concurrent_logins_raise_no_lock_error(factory):
    logins = [f"roditel.{n}" for n in range(CONCURRENT_LOGINS)]
    _accounts_with_hash(factory, logins, OVERLAPPING_HASHER)

    def log_in(login: str) -> str | None:
        return attempt_login(factory, login, TEST_PASSWORD, policy=POLICY).error

    with ThreadPoolExecutor(max_workers=CONCURRENT_LOGINS) as pool:
        errors = list(pool.map(log_in, logins))

    assert errors == [None] * CONCURRENT_LOGINS
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        stamped = session.scalar(
            select(func.count()).where(UserAccount.last_login_at.is_not(None))
        )
        logged = session.scalar(select(func.count()).where(ActivityLog.event == "login"))
    assert stamped == logged == CONCURRENT_LOGINS


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL detects deadlocks; SQLite serialises")
def test_a_deadlock_victim_runs_again_and_both_changes_land(factory):
    """Two transactions lock two rows in opposite orders: PostgreSQL aborts one, it runs again."""
    with unit_of_work(factory, SYSTEM) as session:
        session.add_all([AppSetting(key="a", value=""), AppSetting(key="b", value="")])
    both_hold_their_first_row = threading.Barrier(2, timeout=10)
    attempts = {"ab": 0, "ba": 0}

    def append_in_order(order: str) -> None:
        def change(session: Session) -> None:
            attempts[order] += 1
            for position, key in enumerate(order):
                setting = session.get(AppSetting, key, with_for_update=True)
                assert setting is not None
                setting.value += order
                session.flush()
                if position == 0 and attempts[order] == 1:
                    both_hold_their_first_row.wait()

        run_in_transaction(factory, SYSTEM, change)

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(append_in_order, ["ab", "ba"]))
    with unit_of_work(factory, SYSTEM) as session:
        values = {s.key: s.value for s in session.scalars(select(AppSetting))}
    assert sorted(values["a"]) == sorted(values["b"]) == sorted("abba")
    assert sorted(attempts.values()) == [1, 2]  # one victim, run exactly once more


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="psycopg prepares statements; SQLite does not")
def test_read_only_transactions_end_without_losing_prepared_statements(database_url, engine):
    """Each run's reads end with COMMIT: psycopg forgets what it prepared at every ROLLBACK,
    and PostgreSQL then parsed and planned every read of every run afresh."""
    own = make_engine(database_url)  # its own pool: one connection, used run after run
    factory = make_session_factory(own)
    query = select(AppSetting.value).where(AppSetting.key == bindparam("key"))
    for _ in range(6):  # psycopg prepares a statement at its 5th execution on a connection
        session = read_only_session(factory, SYSTEM)
        session.execute(query, {"key": "school_name"}).all()
        end_read_only_transaction(session)
    session = read_only_session(factory, SYSTEM)
    prepared = session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    end_read_only_transaction(session)
    own.dispose()
    assert any("FROM app_setting" in statement for statement in prepared), prepared


def test_a_failed_read_only_transaction_is_rolled_back_and_the_session_reads_again(factory):
    session = read_only_session(factory, SYSTEM)
    with pytest.raises(DBAPIError):
        session.execute(text("SELECT no_such_column FROM app_setting"))
    end_read_only_transaction(session, failed=True)
    assert session.scalar(select(func.count()).select_from(AppSetting)) == 0
    end_read_only_transaction(session)


def test_an_ordinary_failure_is_not_run_again(factory):
    """Only a deadlock or serialization victim is retried; a broken statement fails at once."""
    calls = []

    def change(session: Session) -> None:
        calls.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError):
        run_in_transaction(factory, SYSTEM, change)
    assert len(calls) == 1
