"""Own passwords: a change revokes sessions, is checked against the stored hash and the policy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.access.passwords import (
    PasswordPolicyError,
    check_new_password,
    verify_password,
)
from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models import (
    AuditLog,
)
from klassruk.services.accounts.login import (
    find_user_by_login,
    stored_password_hash,
)
from klassruk.services.accounts.passwords import apply_password_change, change_password
from klassruk.services.accounts.sessions import user_for_session_token
from tests.factories import (
    SYSTEM,
    TEST_PASSWORD,
    act_as,
    actor_of,
    make_account,
)


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
