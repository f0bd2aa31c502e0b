"""Accounts: authentication with a database-kept lockout, sessions, passwords, user lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.audit import audit_context, leave_unaudited
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models import AccountStatus, UserAccount, UserRole
from klassruk.models.incidents import IncidentStatus, SecurityIncident
from klassruk.passwords import (
    PasswordChange,
    check_new_password,
    check_password_policy,
    dummy_hash,
    hash_password,
    verify_password,
)
from klassruk.permissions import Action, Actor, Role, require
from klassruk.services.activity import record_activity
from klassruk.services.credentials import (
    activate_with_code,
    open_codes,
    store_new_password,
    used_code_message,
)
from klassruk.services.locking import lock_rows, read_modify_write
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


def normalize_login(login: str) -> str:
    """Logins are case-insensitive and typed with stray spaces; store and compare them folded."""
    return "".join(login.split()).lower()


def find_user_by_login(session: Session, login: str) -> UserAccount | None:
    """The account with this login, if any."""
    return session.scalar(select(UserAccount).where(UserAccount.login == normalize_login(login)))


def _lock_message(locked_until: datetime) -> str:
    minutes = max(1, int((locked_until - utcnow()).total_seconds() // 60) + 1)
    return (
        "Слишком много неудачных попыток входа. "
        f"Вход временно заблокирован, повторите через {minutes} мин."
    )


@dataclass(frozen=True)
class PasswordCheck:
    """The slow half of a login (bcrypt), done before the short write that records it."""

    login: str
    password: str
    checked_hash: str | None
    matches: bool


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
    """Run bcrypt outside any transaction; unknown logins cost the same (dummy hash)."""
    if stored_hash is None:
        verify_password(password, dummy_hash())
        return PasswordCheck(normalize_login(login), password, None, matches=False)
    matches = verify_password(password, stored_hash)
    return PasswordCheck(normalize_login(login), password, stored_hash, matches=matches)


# Columns a login attempt updates; the activity log already records every attempt.
LOGIN_BOOKKEEPING = frozenset(
    {"failed_attempts", "locked_until", "last_login_at", "totp_last_step"}
)


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

    def log_guess(self, *, user_id: int | None = None, detail: str | None = None) -> None:
        """A failed guess: it counts toward the address throttle and the spraying alert."""
        self.log("login_failed", user_id=user_id, detail=detail)
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
        self.log("login_refused_locked", user_id=user.id)
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

    Runs in a short write transaction: bcrypt already ran in `check_password`, so the row lock
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
    user = session.scalar(
        select(UserAccount).where(UserAccount.login == check.login).with_for_update()
    )
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
        # The password changed between the check and this transaction: not a guess, no count.
        return LoginResult(None, GENERIC_LOGIN_ERROR)
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
    if user.totp_secret is not None:
        # Failures are not forgotten yet: a known password must not reset the count of
        # wrong codes, or the six digits could be guessed without end.
        recorder.log("login_awaits_second_factor", user_id=user.id)
        return LoginResult(None, awaiting_second_factor=True)
    return recorder.succeeded(user)


@dataclass(frozen=True)
class SessionUser:
    """Who a valid session token stands for, read afresh on every run (nothing to go stale)."""

    id: int
    login: str
    display_name: str
    roles: frozenset[Role]
    must_change_password: bool
    staff_id: int | None
    guardian_id: int | None
    student_id: int | None
    has_second_factor: bool = False


@cache
def _session_user_query() -> Select[*tuple[Any, ...]]:
    """The account row a session stands for, with its roles; built once (it runs every run)."""
    roles = (
        select(func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == UserAccount.id)
        .scalar_subquery()
    )
    return select(
        UserAccount.id, UserAccount.login, UserAccount.display_name, UserAccount.status,
        UserAccount.password_hash.is_not(None).label("has_password"),
        UserAccount.must_change_password, UserAccount.sessions_valid_after,
        UserAccount.staff_id, UserAccount.guardian_id, UserAccount.student_id,
        UserAccount.totp_secret.is_not(None).label("has_second_factor"),
        roles.label("roles"),
    ).where(UserAccount.login == bindparam("login"))


def user_for_session_token(
    session: Session, *, login: str, issued_at: datetime
) -> SessionUser | None:
    """The account a session token still stands for, or None if it was revoked or blocked."""
    # One indexed row and its roles, no ORM objects.
    row = session.execute(
        _session_user_query(), {"login": normalize_login(login)}
    ).one_or_none()
    if row is None or row.status == AccountStatus.BLOCKED:
        return None
    # Activated by code, own password not yet set: the session lives only to set it.
    if not row.has_password and not (
        row.status == AccountStatus.ACTIVE and row.must_change_password
    ):
        return None
    if issued_at < row.sessions_valid_after:
        return None
    return SessionUser(
        id=row.id,
        login=row.login,
        display_name=row.display_name,
        roles=frozenset(Role(value) for value in (row.roles or "").split(",") if value),
        must_change_password=row.must_change_password,
        staff_id=row.staff_id,
        guardian_id=row.guardian_id,
        student_id=row.student_id,
        has_second_factor=row.has_second_factor,
    )


def actor_for(user: UserAccount | SessionUser, *, session_id: str | None = None) -> Actor:
    """The acting identity of a logged-in user."""
    return Actor(
        login=user.login,
        roles=user.roles,
        user_id=user.id,
        staff_id=user.staff_id,
        guardian_id=user.guardian_id,
        student_id=user.student_id,
        session_id=session_id,
    )


def _own_account(session: Session, actor: Actor) -> UserAccount:
    if actor.user_id is None:
        raise NotFound("Учётная запись не найдена.")
    user = session.get(UserAccount, actor.user_id)
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    return user


def revoke_sessions(session: Session, actor: Actor) -> None:
    """Log the actor out everywhere: every session token issued until now stops working."""
    user = _own_account(session, actor)
    user.sessions_valid_after = utcnow()
    record_activity(
        session, event="logout", login=user.login, user_id=user.id, session_id=actor.session_id
    )


def apply_password_change(session: Session, actor: Actor, change: PasswordChange) -> None:
    """Store the actor's checked new password; this ends every other session of the account."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    user = session.get(UserAccount, actor.user_id, with_for_update=True)
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    if change.replaces_hash is None or user.password_hash != change.replaces_hash:
        # Changed in another window between the check and this write: check again.
        raise DomainError(
            "Пароль только что изменён в другом окне. Введите текущий пароль ещё раз."
        )
    store_new_password(
        session, user, change.new_hash, event="password_changed", session_id=actor.session_id
    )


def change_password(
    session: Session,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    confirmation: str,
) -> None:
    """Both halves in one call (scripts, tests); pages run the bcrypt half before the write."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    user = _own_account(session, actor)
    change = check_new_password(
        login=user.login, new_password=new_password, confirmation=confirmation,
        names=(user.display_name,),
        current_password=current_password, stored_hash=user.password_hash,
    )
    apply_password_change(session, actor, change)


def create_user(
    session: Session,
    actor: Actor,
    *,
    login: str,
    display_name: str,
    roles: set[Role],
    password: str | None = None,
    password_hash: str | None = None,
    must_change_password: bool = True,
    staff_id: int | None = None,
    guardian_id: int | None = None,
    student_id: int | None = None,
) -> UserAccount:
    """Create an account with roles; a given password is checked against the policy."""
    require(actor, Action.MANAGE_USERS)
    folded = normalize_login(login)
    if not folded:
        raise DomainError("Логин не может быть пустым.")
    if find_user_by_login(session, folded) is not None:
        raise DomainError(f"Логин «{folded}» уже занят.")
    if not roles:
        raise DomainError("У учётной записи должна быть хотя бы одна роль.")
    if password is not None:
        check_password_policy(password, login=folded, names=(display_name,))
        password_hash = hash_password(password)
    user = UserAccount(
        login=folded,
        display_name=display_name,
        password_hash=password_hash,
        status=AccountStatus.ACTIVE,
        must_change_password=must_change_password,
        staff_id=staff_id,
        guardian_id=guardian_id,
        student_id=student_id,
        role_rows=[UserRole(role=role) for role in sorted(roles)],
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class UserRow:
    """A line of the admin's user list."""

    user_id: int
    login: str
    display_name: str
    roles: tuple[Role, ...]
    status: AccountStatus
    must_change_password: bool
    locked: bool
    last_login_at: datetime | None
    has_second_factor: bool


def folded(column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[str]:
    """SQL: the text lower-cased with ё as е, the same on SQLite and PostgreSQL."""
    return func.replace(func.lower(column), "ё", "е")


def _users_query(
    *, role: Role | None, status: AccountStatus | None, search: str
) -> Select[UserAccount]:
    query = select(UserAccount)
    if role is not None:
        query = query.where(UserAccount.role_rows.any(UserRole.role == role))
    if status is not None:
        query = query.where(UserAccount.status == status)
    needle = search.strip().lower().replace("ё", "е")
    if needle:
        query = query.where(
            folded(UserAccount.display_name).contains(needle, autoescape=True)
            | UserAccount.login.contains(normalize_login(needle), autoescape=True)
        )
    return query


def list_users(
    session: Session,
    actor: Actor,
    *,
    role: Role | None = None,
    status: AccountStatus | None = None,
    search: str = "",
    limit: int = 500,
    offset: int = 0,
) -> list[UserRow]:
    """Users filtered by role, status and a name/login fragment (any case, ё as е), by name."""
    require(actor, Action.VIEW_USERS)
    query = (
        _users_query(role=role, status=status, search=search)
        .order_by(UserAccount.display_name, UserAccount.id)
        .limit(limit)
        .offset(offset)
    )
    now = utcnow()
    return [
        UserRow(
            user_id=user.id,
            login=user.login,
            display_name=user.display_name,
            roles=tuple(sorted(user.roles)),
            status=user.status,
            must_change_password=user.must_change_password,
            locked=user.locked_until is not None and user.locked_until > now,
            last_login_at=user.last_login_at,
            has_second_factor=user.has_second_factor,
        )
        for user in session.scalars(query)
    ]


def count_matching_users(
    session: Session,
    actor: Actor,
    *,
    role: Role | None = None,
    status: AccountStatus | None = None,
    search: str = "",
) -> int:
    """How many users the same filters match, for paging."""
    require(actor, Action.VIEW_USERS)
    matching = _users_query(role=role, status=status, search=search).subquery()
    return session.scalar(select(func.count()).select_from(matching)) or 0


def count_users(session: Session) -> int:
    """How many accounts exist (the first-run check)."""
    return session.scalar(select(func.count()).select_from(UserAccount)) or 0


MAX_BLOCK_REASON = 500


@read_modify_write("the account row locked before its status and incidents are checked")
def set_account_blocked(
    session: Session,
    actor: Actor,
    *,
    login: str,
    blocked: bool,
    reason: str,
    now: datetime | None = None,
) -> UserAccount:
    """Block or unblock any account, staff included, with a reason kept in the audit log."""
    require(actor, Action.MANAGE_USERS)
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Укажите причину: она сохраняется в журнале изменений.")
    if len(reason) > MAX_BLOCK_REASON:
        raise DomainError(f"Причина слишком длинная: не больше {MAX_BLOCK_REASON} символов.")
    found = find_user_by_login(session, login)
    if found is None:
        raise NotFound(f"Учётная запись «{login.strip()}» не найдена.")
    # A report of compromise locks the same row: unblocking never slips past a new incident.
    (user,) = lock_rows(session, UserAccount, [found.id])
    if user.id == actor.user_id:
        raise DomainError("Собственную учётную запись заблокировать или разблокировать нельзя.")
    now = now or utcnow()
    if blocked:
        if user.status is AccountStatus.BLOCKED:
            raise DomainError(f"Учётная запись «{user.login}» уже заблокирована.")
        with audit_context(session, reason=f"Блокировка: {reason}"):
            user.status = AccountStatus.BLOCKED
            user.sessions_valid_after = now  # every open session ends at its next run
            for code in open_codes(session, [user.id]):
                code.revoked_at = now
    else:
        if user.status is not AccountStatus.BLOCKED:
            raise DomainError(f"Учётная запись «{user.login}» не заблокирована.")
        if session.scalar(
            select(SecurityIncident.id).where(
                SecurityIncident.user_id == user.id,
                SecurityIncident.status == IncidentStatus.OPEN,
            )
        ):
            raise DomainError(
                f"По учётной записи «{user.login}» открыт инцидент: сначала закройте его."
            )
        with audit_context(session, reason=f"Разблокировка: {reason}"):
            user.status = AccountStatus.ACTIVE if user.password_hash else AccountStatus.ISSUED
            user.failed_attempts = 0
            user.locked_until = None
    record_activity(
        session,
        event="account_blocked" if blocked else "account_unblocked",
        login=actor.login,
        user_id=actor.user_id,
        detail=f"{user.login}: {reason}"[:MAX_BLOCK_REASON],
        session_id=actor.session_id,
    )
    return user
