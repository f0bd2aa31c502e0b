"""Second factor: enrolment, login with a code, wrong and replayed codes, recovery codes, policy."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import ActivityLog, AuditLog
from klassruk.models.accounts import AccountStatus, RecoveryCode, UserAccount
from klassruk.services.accounts.login import LockoutPolicy
from klassruk.services.second_factor import (
    REPLAYED_CODE,
    WRONG_CODE,
    confirm_enrolment,
    needs_enrolment,
    required_roles,
    set_required_roles,
    start_enrolment,
    unused_recovery_codes,
    verify_second_factor,
)
from klassruk.services.user_admin import reset_second_factor
from tests.factories import TEST_PASSWORD, actor_of, attempt_login, build_two_classes

POLICY = LockoutPolicy(max_failures=3, lock_minutes=15)


@pytest.fixture
def two(session):
    return build_two_classes(session)


def _user(session, login: str) -> UserAccount:
    user = session.scalar(select(UserAccount).where(UserAccount.login == login))
    assert user is not None
    return user


def _enrol(session, login: str, now=None):
    actor = actor_of(session, login)
    session.info["actor"] = actor
    setup = start_enrolment(session, actor)
    now = now or utcnow()
    codes = confirm_enrolment(
        session, actor, setup=setup, code=pyotp.TOTP(setup.secret).at(now), now=now
    )
    return setup, codes


def _verify(session, login: str, code: str, now=None):
    return verify_second_factor(session, login=login, code=code, policy=POLICY, now=now)


def test_enrolment_needs_a_valid_code_and_keeps_the_secret_out_of_the_audit_log(session, two):
    actor = actor_of(session, "teacher_a")
    session.info["actor"] = actor
    setup = start_enrolment(session, actor)
    assert setup.secret in setup.uri and "otpauth://totp/" in setup.uri
    assert setup.grouped_secret.replace(" ", "") == setup.secret
    with pytest.raises(DomainError, match="Код не подошёл"):
        confirm_enrolment(session, actor, setup=setup, code="000000")
    assert _user(session, "teacher_a").totp_secret is None
    codes = confirm_enrolment(
        session, actor, setup=setup, code=pyotp.TOTP(setup.secret).now()
    )
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _user(session, "teacher_a").totp_secret == setup.secret
    assert unused_recovery_codes(session, actor) == 10
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored)
    session.flush()
    logged = " ".join(str(c) for c in session.scalars(select(AuditLog.changes)))
    assert setup.secret not in logged and codes[0] not in logged and "***" in logged
    with pytest.raises(DomainError, match="уже подключён"):
        start_enrolment(session, actor)


def test_families_cannot_enrol(session, two):
    with pytest.raises(PermissionDenied):
        start_enrolment(session, actor_of(session, "parent_a"))


def test_password_alone_does_not_log_in_an_enrolled_account(session, factory, two):
    _enrol(session, "teacher_a")
    session.commit()
    result = attempt_login(factory, "teacher_a", TEST_PASSWORD, policy=POLICY)
    assert result.user is None and result.error is None and result.awaiting_second_factor
    with factory() as fresh:
        assert _user(fresh, "teacher_a").last_login_at is None


def test_login_with_code_within_one_step_and_replay_refused(session, two):
    setup, _ = _enrol(session, "teacher_a", now=utcnow() - timedelta(minutes=5))
    now = utcnow()
    earlier = pyotp.TOTP(setup.secret).at(now - timedelta(seconds=30))
    assert _verify(session, "teacher_a", earlier, now=now).user is not None
    assert _user(session, "teacher_a").last_login_at == now
    replay = _verify(session, "teacher_a", earlier, now=now)
    assert replay.user is None and replay.error == REPLAYED_CODE
    too_old = pyotp.TOTP(setup.secret).at(now - timedelta(seconds=90))
    assert _verify(session, "teacher_a", too_old, now=now).error == WRONG_CODE
    following = pyotp.TOTP(setup.secret).at(now + timedelta(seconds=30))
    assert _verify(session, "teacher_a", following[:3] + " " + following[3:], now=now).user


def test_wrong_codes_count_toward_the_lockout(session, two):
    setup, _ = _enrol(session, "teacher_a", now=utcnow() - timedelta(minutes=5))
    for _ in range(POLICY.max_failures - 1):
        assert _verify(session, "teacher_a", "123456").error == WRONG_CODE
    locked = _verify(session, "teacher_a", "123456")
    assert "временно заблокирован" in (locked.error or "")
    right = _verify(session, "teacher_a", pyotp.TOTP(setup.secret).now())
    assert right.user is None and "временно заблокирован" in (right.error or "")
    failures = session.scalars(
        select(ActivityLog.event).where(ActivityLog.event == "login_failed")
    ).all()
    assert len(failures) == POLICY.max_failures


def test_recovery_code_works_once(session, two):
    _, codes = _enrol(session, "teacher_a")
    assert _verify(session, "teacher_a", codes[3].lower()).user is not None
    again = _verify(session, "teacher_a", codes[3])
    assert again.user is None and again.error == WRONG_CODE
    assert unused_recovery_codes(session, actor_of(session, "teacher_a")) == 9


def test_blocked_account_is_refused_at_the_code_step(session, two):
    setup, _ = _enrol(session, "teacher_a")
    _user(session, "teacher_a").status = AccountStatus.BLOCKED
    result = _verify(session, "teacher_a", pyotp.TOTP(setup.secret).now())
    assert result.user is None and "заблокирована" in (result.error or "")


def test_required_for_roles_leads_to_enrolment(session, two):
    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    with pytest.raises(DomainError, match="только от сотрудников"):
        set_required_roles(session, admin, roles=frozenset({Role.GUARDIAN}), reason="политика")
    with pytest.raises(DomainError, match="причину"):
        set_required_roles(session, admin, roles=frozenset({Role.TEACHER}), reason=" ")
    set_required_roles(session, admin, roles=frozenset({Role.TEACHER}), reason="Приказ № 12")
    required = required_roles(session)
    assert required == {Role.TEACHER}
    assert needs_enrolment(_user(session, "teacher_a"), required)
    assert not needs_enrolment(_user(session, "zavuch"), required)
    _enrol(session, "teacher_a")
    assert not needs_enrolment(_user(session, "teacher_a"), required)
    with pytest.raises(PermissionDenied):
        set_required_roles(
            session, actor_of(session, "zavuch"), roles=frozenset(), reason="r"
        )


def test_admin_resets_a_lost_phone_with_a_reason(session, two):
    setup, _ = _enrol(session, "teacher_a")
    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    with pytest.raises(DomainError, match="причину"):
        reset_second_factor(session, admin, login="teacher_a", reason="")
    with pytest.raises(PermissionDenied):
        reset_second_factor(session, actor_of(session, "ct_a"), login="teacher_a", reason="r")
    before = utcnow()
    reset_second_factor(session, admin, login="teacher_a", reason="Потерян телефон")
    user = _user(session, "teacher_a")
    assert user.totp_secret is None and user.sessions_valid_after >= before
    assert session.scalars(select(RecoveryCode)).all() == []
    assert "Сброс второго фактора: Потерян телефон" in session.scalars(
        select(AuditLog.reason).where(AuditLog.entity == "user_account")
    ).all()
    with pytest.raises(DomainError, match="не подключён"):
        reset_second_factor(session, admin, login="teacher_a", reason="ещё раз")
    assert "отключён" in (_verify(session, "teacher_a", "123456").error or "")
    assert setup.secret not in str(session.scalars(select(AuditLog.changes)).all())
