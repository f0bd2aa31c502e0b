"""The admin's user list and actions: search in any case, paging, unlock, new code, reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AccountStatus, AuditLog, UserAccount, utcnow
from klassruk.permissions import Role
from klassruk.services.accounts import count_matching_users, list_users, user_for_session_token
from klassruk.services.credentials import activate_with_code
from klassruk.services.user_admin import lift_lockout, reissue_code
from tests.factories import actor_of, build_two_classes, make_account


@pytest.fixture
def two(session):
    ids = build_two_classes(session)
    make_account(session, "shcherbakova", {Role.GUARDIAN})
    user = session.scalar(select(UserAccount).where(UserAccount.login == "shcherbakova"))
    user.display_name = "Щербакова Алёна Петровна"
    session.flush()
    return ids


def test_search_folds_cyrillic_case_and_yo_and_pages(session, two):
    admin = actor_of(session, "admin")
    for typed in ("щербакова", "ЩЕРБАКОВА", "алена", "АЛЁНА", "SHCHERB"):
        assert [u.login for u in list_users(session, admin, search=typed)] == ["shcherbakova"]
    assert count_matching_users(session, admin, search="алена") == 1
    everyone = count_matching_users(session, admin)
    first = list_users(session, admin, limit=3)
    rest = list_users(session, admin, limit=100, offset=3)
    assert len(first) == 3 and len(first) + len(rest) == everyone
    assert not {u.login for u in first} & {u.login for u in rest}


def test_lift_lockout_and_reissue_are_audited_with_the_reason(session, two):
    admin = actor_of(session, "admin")
    parent = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    with pytest.raises(DomainError, match="не заблокирован"):
        lift_lockout(session, admin, login="parent_a", reason="звонок")
    parent.locked_until = utcnow() + timedelta(minutes=10)
    parent.failed_attempts = 3
    session.flush()
    session.info["actor"] = admin
    with pytest.raises(DomainError, match="причину"):
        lift_lockout(session, admin, login="parent_a", reason="  ")
    lift_lockout(session, admin, login="parent_a", reason="Родитель позвонил, личность проверена")
    assert parent.locked_until is None and parent.failed_attempts == 0

    cookie = utcnow()
    new = reissue_code(session, admin, login="parent_a", reason="Забыт пароль")
    assert parent.status is AccountStatus.ISSUED and parent.password_hash is None
    assert user_for_session_token(session, login="parent_a", issued_at=cookie) is None
    reasons = set(session.scalars(
        select(AuditLog.reason).where(
            AuditLog.entity == "user_account", AuditLog.entity_id == str(parent.id),
            AuditLog.actor_login == "admin",
        )
    ))
    assert reasons == {"Родитель позвонил, личность проверена", "Забыт пароль"}
    assert activate_with_code(session, user=parent, code=new.code, session_id="s").activated


@pytest.mark.parametrize("login", ["ct_a", "zavuch", "teacher_a", "parent_a", "pupil_a"])
def test_only_the_admin_acts_on_accounts(session, two, login):
    actor = actor_of(session, login)
    with pytest.raises(PermissionDenied):
        lift_lockout(session, actor, login="parent_a", reason="r")
    with pytest.raises(PermissionDenied):
        reissue_code(session, actor, login="pupil_a", reason="r")
