"""Failed logins are throttled per client address and alert the admins on password spraying."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Role
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivityLog
from klassruk.models.accounts import UserAccount
from klassruk.models.incidents import Notice
from klassruk.services.accounts.login import (
    GENERIC_LOGIN_ERROR,
    LockoutPolicy,
    LoginResult,
    PasswordCheck,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.throttling import SPRAY_ALERT_EVENT, ThrottlePolicy
from tests.concurrency import run_together
from tests.factories import SYSTEM, TEST_PASSWORD, attempt_login, make_account

LOCKOUT = LockoutPolicy(max_failures=5, lock_minutes=15)
THROTTLE = ThrottlePolicy(
    address_failures=6, window_minutes=15, max_delay_minutes=15, school_alert_failures=12
)
ATTACKER = "203.0.113.7"


def _accounts(factory: sessionmaker[Session], count: int) -> list[str]:
    logins = [f"parent{i}" for i in range(count)]
    with unit_of_work(factory, SYSTEM) as session:
        for login in logins:
            make_account(session, login, {Role.GUARDIAN})
        make_account(session, "admin", {Role.ADMIN})
    return logins


def _spray(factory, logins, *, address=ATTACKER):
    return [
        attempt_login(
            factory, login, "не тот пароль", policy=LOCKOUT, client_address=address,
            throttle=THROTTLE,
        )
        for login in logins
    ]


def test_one_address_spraying_many_accounts_is_delayed_others_are_not(factory) -> None:
    logins = _accounts(factory, 8)
    results = _spray(factory, logins[:7])  # one guess per account: no account lockout
    assert all(r.error == GENERIC_LOGIN_ERROR for r in results)

    # The right password from the spraying address now waits, and is not counted as a guess.
    refused = attempt_login(
        factory, logins[7], TEST_PASSWORD, policy=LOCKOUT, client_address=ATTACKER,
        throttle=THROTTLE,
    )
    assert refused.user is None
    assert "Слишком много неудачных попыток входа с этого устройства" in (refused.error or "")
    # Another family's address is not affected.
    elsewhere = attempt_login(
        factory, logins[7], TEST_PASSWORD, policy=LOCKOUT, client_address="198.51.100.2",
        throttle=THROTTLE,
    )
    assert elsewhere.user is not None
    with unit_of_work(factory, SYSTEM) as session:
        assert session.scalar(
            select(UserAccount.failed_attempts).where(UserAccount.login == logins[7])
        ) == 0


def _age_failures(factory, seconds: int) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        for row in session.scalars(select(ActivityLog)):
            row.at -= timedelta(seconds=seconds)


def _right_password(factory, login):
    return attempt_login(
        factory, login, TEST_PASSWORD, policy=LOCKOUT, client_address=ATTACKER,
        throttle=THROTTLE,
    )


def test_the_delay_passes_and_doubles_with_each_further_failure(factory) -> None:
    logins = _accounts(factory, 8)
    _spray(factory, logins[:7])  # one past the allowance: the next attempt waits 2 s
    assert _right_password(factory, logins[7]).user is None
    _age_failures(factory, 3)
    assert _right_password(factory, logins[7]).user is not None

    _spray(factory, logins[:1])  # two past the allowance: 4 s now
    _age_failures(factory, 3)
    waiting = _right_password(factory, logins[7])
    assert waiting.user is None and "Повторите через" in (waiting.error or "")
    _age_failures(factory, 2)
    assert _right_password(factory, logins[7]).user is not None


def test_failures_outside_the_window_do_not_count(factory) -> None:
    logins = _accounts(factory, 8)
    _spray(factory, logins[:7])
    _age_failures(factory, 16 * 60)
    assert attempt_login(
        factory, logins[7], TEST_PASSWORD, policy=LOCKOUT, client_address=ATTACKER,
        throttle=THROTTLE,
    ).user is not None


def test_spraying_across_the_school_notifies_every_admin_once_per_window(factory) -> None:
    logins = _accounts(factory, 8)
    for i in range(3):  # twelve failures from three addresses, under each address's allowance
        _spray(factory, logins[2 * i : 2 * i + 4], address=f"192.0.2.{i}")
    with unit_of_work(factory, SYSTEM) as session:
        notices = session.scalars(select(Notice.text)).all()
        assert len(notices) == 1
        assert "Похоже на подбор паролей: 12 неудачных входов" in notices[0]
        assert "по 8 логинам с 3 адресов" in notices[0]
    _spray(factory, logins[:4], address="192.0.2.9")
    with unit_of_work(factory, SYSTEM) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 1


def test_a_burst_on_few_logins_is_the_account_lockout_s_job_not_an_alert(factory) -> None:
    logins = _accounts(factory, 3)
    for i in range(4):
        _spray(factory, logins[:3], address=f"192.0.2.{i}")
    with unit_of_work(factory, SYSTEM) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 0


def test_two_admins_guessing_at_the_threshold_get_one_alert_and_no_deadlock(factory) -> None:
    # Each login locks its own account; the alert's notices go to both admins. Had a login
    # locked its account FOR UPDATE, the notice to the other admin (a foreign key check)
    # would wait for that login while it waits for the alert's lock: a deadlock on PostgreSQL.
    logins = _accounts(factory, 6)
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "admin2", {Role.ADMIN})
    _spray(factory, logins, address="192.0.2.1")  # eleven failures: one short of the alert
    _spray(factory, logins[:5], address="192.0.2.2")

    def guess(login: str):
        def read(session: Session) -> PasswordCheck:
            stored = stored_password_hash(session, login=login)
            return check_password(login=login, password="не тот пароль", stored_hash=stored)

        def write(session: Session, check: PasswordCheck) -> LoginResult:
            return authenticate(session, check=check, policy=LOCKOUT, throttle=THROTTLE,
                                client_address=f"198.51.100.{len(login)}")

        return read, write

    writers = [(SYSTEM, *guess(login)) for login in ("admin", "admin2")]
    results = run_together(factory, writers, hold_s=0.5)
    assert not [r for r in results if isinstance(r, Exception)], results  # no deadlock
    assert [r.error for r in results] == [GENERIC_LOGIN_ERROR] * 2, results
    with unit_of_work(factory, SYSTEM) as session:
        alerts = select(func.count()).where(ActivityLog.event == SPRAY_ALERT_EVENT)
        assert session.scalar(alerts) == 1
        assert session.scalar(select(func.count()).select_from(Notice)) == 2  # one per admin


def test_an_existing_login_and_an_unknown_one_are_throttled_alike(factory) -> None:
    """Guesses at a locked account count like guesses at nobody: the throttle tells nothing.

    Past the lock, attempts at a real login used not to count, so from an address that kept
    guessing the unknown login was throttled and the real one was not: a login oracle.
    """
    [real] = _accounts(factory, 1)
    answers = {
        login: [r.error for r in _spray(factory, [login] * 10, address=address)]
        for login, address in ((real, "203.0.113.8"), ("nobody.here", "203.0.113.9"))
    }
    assert answers[real] == answers["nobody.here"]
    assert answers[real][-1] != GENERIC_LOGIN_ERROR  # the throttle's own message, for both
