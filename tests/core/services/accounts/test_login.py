"""Logging in: one message for every refusal, a lockout kept in the database and expiring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.clock import utcnow
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models import ActivityLog
from klassruk.models.accounts import AccountStatus
from klassruk.services.accounts.login import (
    GENERIC_LOGIN_ERROR,
    LockoutPolicy,
    find_user_by_login,
)
from tests.factories import (
    SYSTEM,
    TEST_PASSWORD,
    attempt_login,
)

POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)


def _attempt(factory: sessionmaker[Session], login: str, password: str) -> str | None:
    return attempt_login(factory, login, password, policy=POLICY).error




def test_correct_password_logs_in_and_is_logged(factory, teacher):
    assert _attempt(factory, teacher, TEST_PASSWORD) is None
    with factory() as session:
        user = find_user_by_login(session, teacher)
        assert user is not None and user.last_login_at is not None
        events = session.scalars(select(ActivityLog.event)).all()
    assert events == ["login"]


def test_login_is_case_and_space_insensitive(factory, teacher):
    assert _attempt(factory, "  Petrova.ANNA ", TEST_PASSWORD) is None


def test_unknown_login_and_wrong_password_get_the_same_message(factory, teacher):
    assert _attempt(factory, "nobody.here", "whatever-password") == GENERIC_LOGIN_ERROR
    assert _attempt(factory, teacher, "wrong-password") == GENERIC_LOGIN_ERROR


def test_a_locked_login_and_an_unknown_one_get_the_same_message(factory, teacher):
    for _ in range(5):
        _attempt(factory, teacher, "wrong-password")
    locked = [_attempt(factory, teacher, password) for password in ("wrong", TEST_PASSWORD)]
    unknown = [_attempt(factory, "nobody.here", password) for password in ("wrong", "x")]
    assert locked == unknown == [GENERIC_LOGIN_ERROR, GENERIC_LOGIN_ERROR]
    with factory() as session:
        events = session.scalars(select(ActivityLog.event).order_by(ActivityLog.id)).all()
    assert events[-4:-2] == ["login_refused_locked", "login_refused_locked"]  # the lock held


def test_lockout_holds_across_two_separate_engines(database_url, engine, teacher, factory):
    other_engine = make_engine(database_url)
    other_factory = make_session_factory(other_engine)
    try:
        for _ in range(3):
            _attempt(factory, teacher, "wrong-password")
        for _ in range(2):
            _attempt(other_factory, teacher, "wrong-password")
        # The correct password is now refused through either engine, worded as a wrong one.
        assert _attempt(factory, teacher, TEST_PASSWORD) == GENERIC_LOGIN_ERROR
        assert _attempt(other_factory, teacher, TEST_PASSWORD) == GENERIC_LOGIN_ERROR
    finally:
        other_engine.dispose()
    with factory() as session:
        events = session.scalars(select(ActivityLog.event).order_by(ActivityLog.id)).all()
    assert events.count("login_failed") == 5
    assert "account_locked" in events
    assert events[-1] == "login_refused_locked"


def test_lock_expires(factory, teacher):
    for _ in range(POLICY.max_failures):
        _attempt(factory, teacher, "wrong-password")
    assert _attempt(factory, teacher, TEST_PASSWORD) is not None
    with unit_of_work(factory, SYSTEM) as session:
        user = find_user_by_login(session, teacher)
        assert user is not None and user.locked_until is not None
        user.locked_until = utcnow() - timedelta(seconds=1)
    assert _attempt(factory, teacher, TEST_PASSWORD) is None


def test_blocked_account_cannot_log_in(factory, teacher):
    with unit_of_work(factory, SYSTEM) as session:
        user = find_user_by_login(session, teacher)
        assert user is not None
        user.status = AccountStatus.BLOCKED
    assert "заблокирована" in (_attempt(factory, teacher, TEST_PASSWORD) or "")


























