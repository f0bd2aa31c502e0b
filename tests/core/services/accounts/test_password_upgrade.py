"""A login upgrades a legacy or outdated hash: quietly, only on success, never over a change."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.passwords import PASSWORD_HASHER, needs_rehash, verify_password
from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivityLog, AuditLog
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.accounts.login import (
    GENERIC_LOGIN_ERROR,
    LockoutPolicy,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.accounts.passwords import change_password
from klassruk.services.accounts.sessions import user_for_session_token
from tests.factories import (
    LOGIN_ACTOR,
    SYSTEM,
    TEST_PASSWORD,
    act_as,
    attempt_login,
    legacy_bcrypt_hash,
)

POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)


def _store_hash(factory: sessionmaker[Session], login: str, password_hash: str) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(
            update(UserAccount).where(UserAccount.login == login).values(
                password_hash=password_hash
            )
        )


def _stored(factory: sessionmaker[Session], login: str) -> str | None:
    with factory() as session:
        return stored_password_hash(session, login=login)


def test_a_legacy_bcrypt_hash_logs_in_and_is_replaced_by_argon2id(factory, teacher):
    legacy = legacy_bcrypt_hash(TEST_PASSWORD)
    _store_hash(factory, teacher, legacy)
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).error is None
    upgraded = _stored(factory, teacher)
    assert upgraded is not None and upgraded.startswith("$argon2id$")
    assert verify_password(TEST_PASSWORD, upgraded) and not needs_rehash(upgraded)
    # Upgraded once: the next login keeps the hash.
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).error is None
    assert _stored(factory, teacher) == upgraded


def test_argon2id_with_weaker_parameters_gets_the_current_ones(factory, teacher):
    older = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _store_hash(factory, teacher, older.hash(TEST_PASSWORD))
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).error is None
    upgraded = _stored(factory, teacher)
    assert upgraded is not None
    assert extract_parameters(upgraded) == extract_parameters(PASSWORD_HASHER.hash("x"))


def test_a_wrong_password_leaves_the_legacy_hash(factory, teacher):
    legacy = legacy_bcrypt_hash(TEST_PASSWORD)
    _store_hash(factory, teacher, legacy)
    result = attempt_login(factory, teacher, "Не тот пароль 2026", policy=POLICY)
    assert result.error == GENERIC_LOGIN_ERROR
    assert _stored(factory, teacher) == legacy


def test_a_blocked_account_keeps_its_legacy_hash(factory, teacher):
    legacy = legacy_bcrypt_hash(TEST_PASSWORD)
    _store_hash(factory, teacher, legacy)
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(
            update(UserAccount).where(UserAccount.login == teacher).values(
                status=AccountStatus.BLOCKED
            )
        )
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).user is None
    assert _stored(factory, teacher) == legacy


def test_an_account_with_a_second_factor_is_upgraded_once_the_password_is_right(
    factory, teacher
):
    _store_hash(factory, teacher, legacy_bcrypt_hash(TEST_PASSWORD))
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(
            update(UserAccount).where(UserAccount.login == teacher).values(
                totp_secret="JBSWY3DPEHPK3PXP"
            )
        )
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).awaiting_second_factor
    assert (_stored(factory, teacher) or "").startswith("$argon2id$")


def test_a_password_change_between_check_and_write_is_not_overwritten(factory, teacher):
    _store_hash(factory, teacher, legacy_bcrypt_hash(TEST_PASSWORD))
    stored = _stored(factory, teacher)
    # The login's slow half ran; the password is changed in another window before its write.
    check = check_password(login=teacher, password=TEST_PASSWORD, stored_hash=stored)
    assert check.matches and check.upgraded_hash is not None
    new_password = "Совсем другой пароль 2027"
    with unit_of_work(factory, SYSTEM) as session:
        change_password(
            session, act_as(session, teacher), current_password=TEST_PASSWORD,
            new_password=new_password, confirmation=new_password,
        )
    changed = _stored(factory, teacher)
    with unit_of_work(factory, LOGIN_ACTOR) as session:
        result = authenticate(session, check=check, policy=POLICY)
    assert result.user is None and result.error == GENERIC_LOGIN_ERROR and result.stale
    assert _stored(factory, teacher) == changed
    assert verify_password(new_password, changed or "")
    assert not verify_password(TEST_PASSWORD, changed or "")


def test_the_upgrade_ends_no_session_and_is_no_password_change(factory, teacher):
    _store_hash(factory, teacher, legacy_bcrypt_hash(TEST_PASSWORD))
    with factory() as session:
        valid_after = session.scalar(
            select(UserAccount.sessions_valid_after).where(UserAccount.login == teacher)
        )
        audited_before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    # A cookie of another session, issued before this login.
    issued_at = utcnow()
    assert attempt_login(factory, teacher, TEST_PASSWORD, policy=POLICY).error is None
    with factory() as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is not None
        user = session.scalar(select(UserAccount).where(UserAccount.login == teacher))
        assert user is not None and (user.password_hash or "").startswith("$argon2id$")
        assert user.sessions_valid_after == valid_after
        assert not user.must_change_password
        events = session.scalars(
            select(ActivityLog.event).where(ActivityLog.login == teacher)
        ).all()
        audited = session.scalars(
            select(AuditLog).where(AuditLog.id > (audited_before or 0))
        ).all()
    assert events == ["login"]
    assert not [row.changes for row in audited if "password_hash" in row.changes]
