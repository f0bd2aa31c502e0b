"""The admin blocks and unblocks any account, staff included, with a reason in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.accounts.blocking import set_account_blocked
from klassruk.services.accounts.login import (
    LockoutPolicy,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.accounts.sessions import user_for_session_token
from tests.factories import SYSTEM, TEST_PASSWORD, act_as, build_two_classes


@pytest.fixture
def school(session):
    ids = build_two_classes(session)
    session.flush()
    return ids


def _log_in(session, login: str) -> str | None:
    session.info["actor"] = SYSTEM
    check = check_password(login=login, password=TEST_PASSWORD,
                           stored_hash=stored_password_hash(session, login=login))
    return authenticate(session, check=check, policy=LockoutPolicy()).error


def test_admin_blocks_a_teacher_with_a_reason_and_unblocks_him(session, school):
    admin = act_as(session, "admin")
    before = utcnow()
    set_account_blocked(session, admin, login="teacher_a", blocked=True,
                        reason="Увольнение, приказ № 12")
    session.flush()
    teacher = session.scalar(select(UserAccount).where(UserAccount.login == "teacher_a"))
    assert teacher.status is AccountStatus.BLOCKED
    # A session opened before the block is refused at its next run, and so is a new login.
    assert user_for_session_token(session, login="teacher_a", issued_at=before) is None
    assert "заблокирована" in (_log_in(session, "teacher_a") or "")
    reasons = session.scalars(select(AuditLog.reason).where(AuditLog.entity == "user_account"))
    assert "Блокировка: Увольнение, приказ № 12" in set(reasons)

    set_account_blocked(session, act_as(session, "admin"), login="teacher_a", blocked=False,
                        reason="Восстановлен в должности")
    session.flush()
    assert teacher.status is AccountStatus.ACTIVE
    assert _log_in(session, "teacher_a") is None


def test_blocking_needs_a_reason_and_an_admin_and_never_the_own_account(session, school):
    admin = act_as(session, "admin")
    with pytest.raises(DomainError, match="Укажите причину"):
        set_account_blocked(session, admin, login="teacher_a", blocked=True, reason="  ")
    with pytest.raises(DomainError, match="Собственную"):
        set_account_blocked(session, admin, login="admin", blocked=True, reason="проверка")
    with pytest.raises(NotFound):
        set_account_blocked(session, admin, login="nikto", blocked=True, reason="проверка")
    for login in ("zavuch", "ct_a", "teacher_a", "parent_a", "pupil_a"):
        with pytest.raises(PermissionDenied):
            set_account_blocked(session, act_as(session, login), login="ct_b", blocked=True,
                                reason="проверка")
    statuses = set(session.scalars(select(UserAccount.status)))
    assert statuses == {AccountStatus.ACTIVE}
