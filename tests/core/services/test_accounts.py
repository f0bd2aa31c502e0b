"""Authentication: lockout kept in the database, revocation, password policy, forced change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.clock import utcnow
from klassruk.db import make_engine, make_session_factory, unit_of_work
from klassruk.errors import DomainError
from klassruk.models import (
    AccountStatus,
    ActivityLog,
    AuditLog,
    UserAccount,
    UserRole,
)
from klassruk.passwords import (
    PasswordPolicyError,
    check_new_password,
    check_password_policy,
    verify_password,
)
from klassruk.permissions import Role
from klassruk.services.accounts import (
    GENERIC_LOGIN_ERROR,
    LockoutPolicy,
    apply_password_change,
    change_password,
    find_user_by_login,
    revoke_sessions,
    stored_password_hash,
    user_for_session_token,
)
from tests.factories import (
    SYSTEM,
    TEST_PASSWORD,
    act_as,
    actor_of,
    attempt_login,
    make_account,
)

POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)


def _attempt(factory: sessionmaker[Session], login: str, password: str) -> str | None:
    return attempt_login(factory, login, password, policy=POLICY).error


@pytest.fixture
def teacher(factory: sessionmaker[Session]) -> str:
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "petrova.anna", {Role.TEACHER})
    return "petrova.anna"


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


def test_token_issued_before_logout_is_rejected(factory, teacher):
    issued_at = utcnow()
    with unit_of_work(factory, SYSTEM) as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is not None
        revoke_sessions(session, actor_of(session, teacher))
    with factory() as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is None
        later = utcnow()
        assert user_for_session_token(session, login=teacher, issued_at=later) is not None


def test_revocation_and_role_changes_hold_at_once_in_another_process(
    database_url, factory, teacher
):
    issued_at = utcnow()
    other_engine = make_engine(database_url)  # a second app process, its own pool
    other_factory = make_session_factory(other_engine)
    try:
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            seen = user_for_session_token(session, login=teacher, issued_at=issued_at)
        assert seen is not None and seen.roles == {Role.TEACHER}
        with unit_of_work(factory, SYSTEM) as session:
            user = find_user_by_login(session, teacher)
            assert user is not None
            user.role_rows.append(UserRole(role=Role.CLASS_TEACHER))
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            seen = user_for_session_token(session, login=teacher, issued_at=issued_at)
        assert seen is not None and seen.roles == {Role.TEACHER, Role.CLASS_TEACHER}
        with unit_of_work(factory, SYSTEM) as session:
            revoke_sessions(session, actor_of(session, teacher))
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            assert user_for_session_token(session, login=teacher, issued_at=issued_at) is None
    finally:
        other_engine.dispose()


def test_token_issued_before_password_change_is_rejected(factory, teacher):
    issued_at = utcnow()
    new_password = "Другой пароль 2027"
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, teacher)
        session.info["actor"] = actor
        change_password(
            session,
            actor,
            current_password=TEST_PASSWORD,
            new_password=new_password,
            confirmation=new_password,
        )
    with factory() as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is None
        user = find_user_by_login(session, teacher)
        assert user is not None and user.password_hash is not None
        assert verify_password(new_password, user.password_hash)


def test_a_checked_change_is_refused_if_the_password_changed_meanwhile(factory, teacher):
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        stored = stored_password_hash(session, login=teacher)
    # bcrypt ran outside any transaction for both windows; the second write comes too late.
    first, second = (
        check_new_password(
            login=teacher, new_password=new, confirmation=new,
            current_password=TEST_PASSWORD, stored_hash=stored,
        )
        for new in ("Первый новый пароль", "Второй новый пароль")
    )
    with unit_of_work(factory, SYSTEM) as session:
        apply_password_change(session, actor_of(session, teacher), first)
    with (
        pytest.raises(DomainError, match="изменён в другом окне"),
        unit_of_work(factory, SYSTEM) as session,
    ):
        apply_password_change(session, actor_of(session, teacher), second)
    with factory() as session:
        user = find_user_by_login(session, teacher)
        assert user is not None and verify_password("Первый новый пароль", user.password_hash)


def test_forced_first_login_change_clears_the_flag(factory):
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "novikov.ivan", {Role.STUDENT}, must_change_password=True)
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, "novikov.ivan")
        session.info["actor"] = actor
        user = find_user_by_login(session, "novikov.ivan")
        assert user is not None and user.must_change_password
        change_password(
            session,
            actor,
            current_password=TEST_PASSWORD,
            new_password="мой новый пароль",
            confirmation="мой новый пароль",
        )
    with factory() as session:
        user = find_user_by_login(session, "novikov.ivan")
        assert user is not None and not user.must_change_password


@pytest.mark.parametrize(
    ("current", "new", "confirmation", "message"),
    [
        ("wrong", "мой новый пароль", "мой новый пароль", "Текущий пароль"),
        (TEST_PASSWORD, "мой новый пароль", "другое", "не совпадают"),
        (TEST_PASSWORD, "кот-пёс", "кот-пёс", "короткий"),
        (TEST_PASSWORD, "qwerty123", "qwerty123", "распространён"),
    ],
)
def test_bad_password_change_changes_nothing(factory, teacher, current, new, confirmation, message):
    with factory() as session:
        before = find_user_by_login(session, teacher)
        assert before is not None
        hash_before = before.password_hash
    with pytest.raises(DomainError, match=message), unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, teacher)
        session.info["actor"] = actor
        change_password(
            session, actor, current_password=current, new_password=new, confirmation=confirmation
        )
    with factory() as session:
        after = find_user_by_login(session, teacher)
        assert after is not None and after.password_hash == hash_before
        assert session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.operation == "update")
        ) == 0


@pytest.mark.parametrize(
    "password",
    ["Надёжный пароль 2026", "кот-учёный-ходит-по-цепи", "x7#Lq9!vRm", "пароль-длинный " * 10],
)
def test_policy_accepts_good_and_long_cyrillic_passwords(password):
    check_password_policy(password, login="ivanov.petr")


@pytest.mark.parametrize(
    ("password", "login"),
    [("short", "a"), ("123456789", "b"), ("ПАРОЛЬ123", "c"), ("ivanov.petr-2026", "ivanov.petr"),
     ("aaaaaaaaaaa", "d"), ("йцукенгш", "e")],
)
def test_policy_refuses_short_common_and_login_passwords(password, login):
    with pytest.raises(PasswordPolicyError):
        check_password_policy(password, login=login)


@pytest.mark.parametrize(
    "password",
    ["sidorova123", "Сидорова2026!", "ышвщкщмф-2026", "Anna.Petrovna.77", "anna2015sidorova",
     "Моя фамилия Сидорова", "сидорова.анна"],
)
def test_policy_refuses_passwords_built_from_the_own_name_or_login(password):
    with pytest.raises(PasswordPolicyError, match="имя или логин"):
        check_password_policy(
            password, login="sidorova.anna", names=["Сидорова Анна Петровна"]
        )


@pytest.mark.parametrize("password", ["Annushka2014", "Gfhjkm2026!", "Qwerty!2026"])
def test_policy_refuses_guessable_passwords_that_no_list_holds(password):
    with pytest.raises(PasswordPolicyError, match="слишком простой"):
        check_password_policy(password, login="sidorova.anna", names=["Сидорова Анна Петровна"])


def test_a_change_to_a_password_made_of_the_own_name_is_refused(factory):
    with unit_of_work(factory, SYSTEM) as session:
        user = make_account(session, "sidorova.anna", {Role.GUARDIAN})
        user.display_name = "Сидорова Анна Петровна"
    with (
        pytest.raises(PasswordPolicyError, match="имя или логин"),
        unit_of_work(factory, SYSTEM) as session,
    ):
        change_password(
            session, act_as(session, "sidorova.anna"), current_password=TEST_PASSWORD,
            new_password="Петровна-1985", confirmation="Петровна-1985",
        )
    with factory() as session:
        user = find_user_by_login(session, "sidorova.anna")
        assert user is not None and verify_password(TEST_PASSWORD, user.password_hash or "")


def test_long_passphrase_beyond_bcrypt_limit_is_verified_in_full(factory):
    passphrase = "очень длинная парольная фраза из многих русских слов " * 2
    with unit_of_work(factory, SYSTEM) as session:
        user = make_account(session, "long.phrase", {Role.GUARDIAN}, password=passphrase)
        assert user.password_hash is not None
        assert verify_password(passphrase, user.password_hash)
        # Differs only after byte 72: must still be refused.
        assert not verify_password(passphrase[:-1] + "!", user.password_hash)


def test_duplicate_login_is_refused(factory, teacher):
    with pytest.raises(DomainError, match="занят"), unit_of_work(factory, SYSTEM) as session:
        make_account(session, "PETROVA.anna", {Role.TEACHER})
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 1
