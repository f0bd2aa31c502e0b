"""Logging in: the password checked outside the transaction, the attempt recorded with a lockout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from klassruk.audit.log import leave_unaudited
from klassruk.clock import utcnow
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import activate_with_code, used_code_message
from klassruk.services.locking import read_modify_write
from klassruk.services.throttling import (
    ThrottlePolicy,
    address_delay,
    alert_on_spraying,
    throttled_message,
)

GENERIC_LOGIN_ERROR = "Неверный логин или пароль."
BLOCKED_LOGIN_ERROR = (
    "Учётная запись заблокирована. Обратитесь к классному руководителю или администратору."
)


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures lock an account, and for how long."""

    max_failures: int = 5
    lock_minutes: int = 15


@dataclass(frozen=True)
class LoginResult:
    """Outcome of a login attempt: the account on success, else a message for the user."""

    user: UserAccount | None
    error: str | None = None
    # The password was right; the account also needs its second-factor code to log in.
    awaiting_second_factor: bool = False
    # The hash changed after it was read (another login upgraded it, or a password change):
    # nothing was recorded, and the password is worth checking once more against the new hash.
    stale: bool = False


def normalize_login(login: str) -> str:
    """Logins are case-insensitive and typed with stray spaces; store and compare them folded."""
    return "".join(login.split()).lower()


def find_user_by_login(session: Session, login: str) -> UserAccount | None:
    """The account with this login, if any."""
    return session.scalar(select(UserAccount).where(UserAccount.login == normalize_login(login)))


def locked_account(session: Session, login: str) -> UserAccount | None:
    """The account with this (folded) login, locked and read afresh for a login attempt."""
    return session.scalar(
        select(UserAccount)
        .where(UserAccount.login == login)
        # NO KEY UPDATE: rows that merely refer to the account (notices, the spraying alert's
        # notice to an administrator logging in now) need not wait for this login.
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def _lock_message(locked_until: datetime) -> str:
    minutes = max(1, int((locked_until - utcnow()).total_seconds() // 60) + 1)
    return (
        "Слишком много неудачных попыток входа. "
        f"Вход временно заблокирован, повторите через {minutes} мин."
    )


@dataclass(frozen=True)
class PasswordCheck:
    """The slow half of a login (password hashing), done before the short write that records it."""

    login: str
    password: str
    checked_hash: str | None
    matches: bool
    # The same password hashed anew, when the matched hash is legacy bcrypt or older settings.
    upgraded_hash: str | None = None


def stored_password_hash(session: Session, *, login: str) -> str | None:
    """The password hash a login attempt is checked against (None: unknown or code only)."""
    return session.scalar(
        select(UserAccount.password_hash).where(UserAccount.login == normalize_login(login))
    )


def account_names(session: Session, *, login: str) -> tuple[str, ...]:
    """The account holder's name as the password policy checks it (empty: unknown login)."""
    name = session.scalar(
        select(UserAccount.display_name).where(UserAccount.login == normalize_login(login))
    )
    return (name,) if name else ()


def check_password(*, login: str, password: str, stored_hash: str | None) -> PasswordCheck:
    """Hash outside any transaction; unknown logins cost the same (dummy hash)."""
    if stored_hash is None:
        verify_password(password, dummy_hash())
        return PasswordCheck(normalize_login(login), password, None, matches=False)
    matches = verify_password(password, stored_hash)
    upgraded = hash_password(password) if matches and needs_rehash(stored_hash) else None
    return PasswordCheck(normalize_login(login), password, stored_hash, matches, upgraded)


# Columns a login attempt updates; the activity log already records every attempt. The
# password hash is among them for an upgrade on login (the same password, hashed anew): it is
# no password change, so it is neither audited nor a reason to end the other sessions.
LOGIN_BOOKKEEPING = frozenset(
    {"failed_attempts", "locked_until", "last_login_at", "totp_last_step", "password_hash"}
)


def _upgrade_hash(user: UserAccount, check: PasswordCheck) -> None:
    """Store the password's new hash, unless the row no longer holds the one it replaces."""
    if check.upgraded_hash is not None and user.password_hash == check.checked_hash:
        user.password_hash = check.upgraded_hash


@dataclass
class LoginRecorder:
    """What one login attempt writes: activity rows, guesses, the per-account lockout."""

    session: Session
    login: str
    now: datetime
    session_id: str | None = None
    client_address: str | None = None
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    # Only after a right password may a lock be named: before it, «locked» tells a guesser
    # that the login exists, so the refusal reads as a wrong password.
    password_known: bool = False

    def _lock_refusal(self, locked_until: datetime) -> LoginResult:
        return LoginResult(
            None, _lock_message(locked_until) if self.password_known else GENERIC_LOGIN_ERROR
        )

    def __post_init__(self) -> None:
        # A login is an activity row, not a data change: its counters stay out of the audit log.
        leave_unaudited(self.session, LOGIN_BOOKKEEPING)

    def log(self, event: str, *, user_id: int | None = None, detail: str | None = None) -> None:
        """One activity row about this attempt."""
        record_activity(
            self.session, event=event, login=self.login, user_id=user_id, detail=detail,
            session_id=self.session_id, client_address=self.client_address,
        )

    def log_guess(
        self, *, user_id: int | None = None, detail: str | None = None,
        event: str = "login_failed",
    ) -> None:
        """A failed guess: it counts toward the address throttle and the spraying alert."""
        self.log(event, user_id=user_id, detail=detail)
        self.session.flush()
        alert_on_spraying(self.session, policy=self.throttle, now=self.now)

    def throttled(self) -> LoginResult | None:
        """The refusal for an address that must still wait, if it must."""
        remaining = address_delay(
            self.session, address=self.client_address, policy=self.throttle, now=self.now
        )
        if remaining is None:
            return None
        self.log("login_refused_throttled")
        return LoginResult(None, throttled_message(remaining))

    def locked(self, user: UserAccount) -> LoginResult | None:
        """The refusal for an account under a timed lock, if it is."""
        if user.locked_until is None or user.locked_until <= self.now:
            return None
        # A guess like any other: were it not counted, an address guessing at a locked real
        # login would never be throttled while one guessing at nobody is (a login oracle).
        self.log_guess(user_id=user.id, event="login_refused_locked")
        return self._lock_refusal(user.locked_until)

    def failed(
        self, user: UserAccount, policy: LockoutPolicy, *, message: str = GENERIC_LOGIN_ERROR,
        detail: str | None = None,
    ) -> LoginResult:
        """Count a wrong password or code against the account; lock it at the limit."""
        user.failed_attempts += 1
        self.log_guess(user_id=user.id, detail=detail)
        if user.failed_attempts < policy.max_failures:
            return LoginResult(None, message)
        user.locked_until = self.now + timedelta(minutes=policy.lock_minutes)
        user.failed_attempts = 0
        self.log(
            "account_locked", user_id=user.id, detail=f"{policy.max_failures} неудачных попыток"
        )
        return self._lock_refusal(user.locked_until)

    def succeeded(self, user: UserAccount, *, detail: str | None = None) -> LoginResult:
        """The account is logged in: failures forgotten, the login recorded."""
        user.failed_attempts = 0
        user.locked_until = None
        user.last_login_at = self.now
        self.log("login", user_id=user.id, detail=detail)
        return LoginResult(user)


def _check_secret(
    session: Session, user: UserAccount, check: PasswordCheck, now: datetime, session_id: str | None
) -> tuple[bool, str | None]:
    """Whether the password (or, before activation, the code) is right, and a known refusal."""
    if user.password_hash is None:
        outcome = activate_with_code(
            session, user=user, code=check.password, now=now, session_id=session_id
        )
        return outcome.activated, outcome.error
    if check.matches:
        return True, None
    return False, used_code_message(session, user=user, typed=check.password)


@read_modify_write("the account row locked (locked_account) before its counters are read")
def authenticate(
    session: Session,
    *,
    check: PasswordCheck,
    policy: LockoutPolicy,
    session_id: str | None = None,
    client_address: str | None = None,
    throttle: ThrottlePolicy | None = None,
) -> LoginResult:
    """Record a checked login attempt; count failures and lock in the database.

    Runs in a short write transaction: hashing already ran in `check_password`, so the row lock
    (FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) is held for milliseconds. An account
    with a second factor is not logged in here: the result awaits its code (`second_factor`).
    """
    now = utcnow()
    recorder = LoginRecorder(
        session, check.login, now, session_id, client_address, throttle or ThrottlePolicy()
    )
    refused = recorder.throttled()
    if refused is not None:
        return refused
    user = locked_account(session, check.login)
    # An account with credentials issued but not yet activated has no password: only its code.
    awaiting_code = user is not None and user.password_hash is None
    # ISSUED: the first use of the code; ACTIVE without a password: an interrupted activation.
    if user is None or (awaiting_code and user.status == AccountStatus.BLOCKED):
        recorder.log_guess(detail="unknown")
        return LoginResult(None, GENERIC_LOGIN_ERROR)
    refused = recorder.locked(user)
    if refused is not None:
        return refused
    if user.password_hash != check.checked_hash and user.password_hash is not None:
        # The hash changed between the check and this transaction: not a guess, no count.
        return LoginResult(None, GENERIC_LOGIN_ERROR, stale=True)
    accepted, known_error = _check_secret(session, user, check, now, session_id)
    if known_error is not None:
        # The real (used, replaced or expired) code: not a guess, so no lockout count.
        recorder.log("login_code_refused", user_id=user.id)
        return LoginResult(None, known_error)
    if not accepted:
        return recorder.failed(user, policy)
    if user.status == AccountStatus.BLOCKED:
        recorder.log("login_refused_blocked", user_id=user.id)
        return LoginResult(None, BLOCKED_LOGIN_ERROR)
    # The password was right: the second factor does not change what it is hashed to.
    _upgrade_hash(user, check)
    if user.totp_secret is not None:
        # Failures are not forgotten yet: a known password must not reset the count of
        # wrong codes, or the six digits could be guessed without end.
        recorder.log("login_awaits_second_factor", user_id=user.id)
        return LoginResult(None, awaiting_second_factor=True)
    return recorder.succeeded(user)
