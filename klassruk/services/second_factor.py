"""Second factor for staff accounts: TOTP apps (RFC 6238), one-time recovery codes, the policy.

A user enrols on the profile: the secret is shown once (QR code and text), and is stored only
after a code from the app confirms it. At login, after the password, the 6-digit code or a
recovery code is asked for; wrong codes count toward the same lockout as wrong passwords, and a
code of a 30-second step already used is refused (replay). The admin requires it for roles and
resets it for a user who lost the phone (services/user_admin.py).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import ROLE_TITLES, Action, Actor, Role, require
from klassruk.audit.log import audit_context
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models.accounts import AccountStatus, RecoveryCode, UserAccount
from klassruk.services.accounts.login import (
    BLOCKED_LOGIN_ERROR,
    LockoutPolicy,
    LoginRecorder,
    LoginResult,
    locked_account,
    normalize_login,
)
from klassruk.services.accounts.sessions import SessionUser
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import generate_code, hash_code
from klassruk.services.credentials.people import STAFF_ROLES
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.school_settings import (
    SECOND_FACTOR_ROLES_KEY,
    get_setting,
    parse_roles,
    set_setting,
)
from klassruk.services.throttling import ThrottlePolicy
from klassruk.text.policy import AUDITED_REASON, required_reason

ISSUER = "Классрук"
RECOVERY_CODE_COUNT = 10
# Codes of the step before and after the current one are accepted: phone clocks drift.
STEP_WINDOW = 1
WRONG_CODE = "Код не подошёл. Введите код, который приложение показывает сейчас, или резервный код."
REPLAYED_CODE = (
    "Этот код уже использован. Дождитесь, пока приложение покажет следующий код, и введите его."
)
SECOND_FACTOR_GONE = (
    "Второй фактор этой учётной записи отключён или заменён. Войдите заново с паролем."
)


@dataclass(frozen=True)
class TotpSetup:
    """A secret offered to the user: shown once, stored only once a code confirms it."""

    login: str
    secret: str

    @property
    def uri(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        return pyotp.TOTP(self.secret).provisioning_uri(name=self.login, issuer_name=ISSUER)

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four letters, for typing it into the app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def _own_account(session: Session, actor: Actor) -> UserAccount:
    user = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    return user


def own_name(session: Session, actor: Actor) -> str:
    """The actor's name as the account shows it (the recovery codes' sheet is headed with it)."""
    return _own_account(session, actor).display_name


def has_second_factor(session: Session, actor: Actor) -> bool:
    """Whether the actor's account already has a second factor switched on."""
    return _own_account(session, actor).totp_secret is not None


def unused_recovery_codes(session: Session, actor: Actor) -> int:
    """How many of the actor's recovery codes are still unused."""
    return (
        session.scalar(
            select(func.count()).where(
                RecoveryCode.user_id == actor.user_id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


@read_modify_write(
    "stores nothing: confirm_enrolment keeps one secret under the account row's lock"
)
def start_enrolment(session: Session, actor: Actor) -> TotpSetup:
    """A new secret for the actor's app; nothing is stored until a code confirms it.

    Two windows may each start an enrolment: the first confirmed wins, the other is refused.
    """
    require(actor, Action.USE_SECOND_FACTOR)
    if _own_account(session, actor).totp_secret is not None:
        raise DomainError(
            "Второй фактор уже подключён. Чтобы перенести его на другой телефон, "
            "попросите администратора сбросить его."
        )
    return TotpSetup(login=actor.login, secret=pyotp.random_base32())


def _typed(code: str) -> str:
    return "".join(code.split())


def _matching_step(secret: str, typed: str, now: datetime) -> int | None:
    """The 30-second step within the window whose code is `typed`, if any."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - STEP_WINDOW, current + STEP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), typed):
            return step
    return None


def _new_recovery_codes(session: Session, user: UserAccount) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [generate_code() for _ in range(RECOVERY_CODE_COUNT)]
    # A fast hash is enough: each code has ~79 random bits and is tried under the lockout.
    session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_code(user.id, c)) for c in codes)
    return codes


@read_modify_write("the account row locked and read afresh before its secret is checked")
def confirm_enrolment(
    session: Session,
    actor: Actor,
    *,
    setup: TotpSetup,
    code: str,
    now: datetime | None = None,
) -> list[str]:
    """Switch the second factor on once the app's code matches; the recovery codes, once."""
    require(actor, Action.USE_SECOND_FACTOR)
    now = now or utcnow()
    # Read afresh under the lock: another window may have confirmed its own secret meanwhile.
    locked = lock_rows(session, UserAccount, [actor.user_id] if actor.user_id else [])
    if not locked:
        raise NotFound("Учётная запись не найдена.")
    user = locked[0]
    if user.totp_secret is not None:
        raise DomainError("Второй фактор уже подключён.")
    step = _matching_step(setup.secret, _typed(code), now)
    if step is None:
        raise DomainError(
            "Код не подошёл. Проверьте, что время на телефоне верное, и введите код, "
            "который приложение показывает сейчас."
        )
    user.totp_secret = setup.secret
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = _new_recovery_codes(session, user)
    record_activity(
        session,
        event="second_factor_enabled",
        login=user.login,
        user_id=user.id,
        session_id=actor.session_id,
    )
    return codes


def _recovery_code(session: Session, user: UserAccount, typed: str) -> RecoveryCode | None:
    return session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == hash_code(user.id, typed),
            RecoveryCode.used_at.is_(None),
        )
    )


def verify_second_factor(
    session: Session,
    *,
    login: str,
    code: str,
    policy: LockoutPolicy,
    session_id: str | None = None,
    client_address: str | None = None,
    throttle: ThrottlePolicy | None = None,
    now: datetime | None = None,
) -> LoginResult:
    """The second step of a login whose password was right: the app's code or a recovery code.

    Wrong and replayed codes count toward the account's lockout and the address throttle.
    """
    now = now or utcnow()
    recorder = LoginRecorder(
        session,
        normalize_login(login),
        now,
        session_id,
        client_address,
        throttle or ThrottlePolicy(),
        password_known=True,
    )
    refused = recorder.throttled()
    if refused is not None:
        return refused
    user = locked_account(session, recorder.login)
    if user is None or user.totp_secret is None:
        return LoginResult(None, SECOND_FACTOR_GONE)
    refused = recorder.locked(user)
    if refused is not None:
        return refused
    if user.status is AccountStatus.BLOCKED:
        recorder.log("login_refused_blocked", user_id=user.id)
        return LoginResult(None, BLOCKED_LOGIN_ERROR)
    typed = _typed(code)
    if len(typed) == 6 and typed.isdigit():
        step = _matching_step(user.totp_secret, typed, now)
        if step is None:
            return recorder.failed(user, policy, message=WRONG_CODE, detail="код приложения")
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return recorder.failed(user, policy, message=REPLAYED_CODE, detail="повтор кода")
        user.totp_last_step = step
        return recorder.succeeded(user, detail="код приложения")
    recovery = _recovery_code(session, user, typed)
    if recovery is None:
        return recorder.failed(user, policy, message=WRONG_CODE, detail="резервный код")
    recovery.used_at = now
    return recorder.succeeded(user, detail="резервный код")


def clear_second_factor(session: Session, user: UserAccount) -> None:
    """Switch the account's second factor off and void its recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def needs_enrolment(user: UserAccount | SessionUser, required_roles: frozenset[Role]) -> bool:
    """Whether the user must set up a second factor before anything else."""
    return not user.has_second_factor and bool(user.roles & required_roles)


def set_required_roles(
    session: Session, actor: Actor, *, roles: frozenset[Role], reason: str
) -> None:
    """Require the second factor of every account holding one of `roles` (staff roles only)."""
    require(actor, Action.MANAGE_USERS)
    reason = required_reason(reason, missing=AUDITED_REASON)
    families = roles - STAFF_ROLES
    if families:
        names = ", ".join(ROLE_TITLES[role] for role in sorted(families))
        raise DomainError(f"Второй фактор можно требовать только от сотрудников, не от: {names}.")
    stored = ",".join(sorted(roles))
    with audit_context(session, reason=f"Второй фактор: {reason}"):
        set_setting(session, SECOND_FACTOR_ROLES_KEY, stored)
    record_activity(
        session,
        event="second_factor_policy",
        login=actor.login,
        user_id=actor.user_id,
        detail=(stored or "не требуется")[:500],
        session_id=actor.session_id,
    )


def required_roles(session: Session) -> frozenset[Role]:
    """The roles whose accounts must have a second factor."""
    return parse_roles(get_setting(session, SECOND_FACTOR_ROLES_KEY))
