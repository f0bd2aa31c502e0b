"""The admin's actions on one account, each audited with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from klassruk.audit import audit_context
from klassruk.errors import DomainError, NotFound
from klassruk.models import AccountStatus, UserAccount, utcnow
from klassruk.permissions import Action, Actor, require
from klassruk.services.accounts import find_user_by_login
from klassruk.services.activity import record_activity
from klassruk.services.credentials import (
    DEFAULT_CODE_VALID_DAYS,
    add_activation_code,
    open_codes,
)

MAX_REASON = 500


@dataclass(frozen=True)
class NewCode:
    """A new activation code for an account, shown once and never stored in plain text."""

    login: str
    code: str
    expires_at: datetime


def reset_to_new_code(
    session: Session, actor: Actor, *, user: UserAccount, now: datetime, valid_days: int
) -> NewCode:
    """Void the account's password, sessions and open codes; issue one new code."""
    for old in open_codes(session, [user.id]):
        old.revoked_at = now
    user.status = AccountStatus.ISSUED
    user.password_hash = None
    user.must_change_password = True
    user.failed_attempts = 0
    user.locked_until = None
    user.sessions_valid_after = now
    # The revocations reach the database before the new code: one open code per account.
    session.flush()
    expires_at = now + timedelta(days=valid_days)
    code = add_activation_code(session, actor, user_id=user.id, now=now, expires_at=expires_at)
    return NewCode(login=user.login, code=code, expires_at=expires_at)


def _target(session: Session, actor: Actor, login: str, reason: str) -> tuple[UserAccount, str]:
    require(actor, Action.MANAGE_USERS)
    cleaned = reason.strip()
    if not cleaned:
        raise DomainError("Укажите причину: она попадает в журнал изменений.")
    if len(cleaned) > MAX_REASON:
        raise DomainError(f"Причина слишком длинная: не больше {MAX_REASON} символов.")
    user = find_user_by_login(session, login)
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    return user, cleaned


def lift_lockout(session: Session, actor: Actor, *, login: str, reason: str) -> None:
    """Let the account try to log in again now (the failed-attempt lock is lifted)."""
    user, reason = _target(session, actor, login, reason)
    if user.locked_until is None and not user.failed_attempts:
        raise DomainError(f"Вход для «{user.display_name}» не заблокирован.")
    with audit_context(session, reason=reason):
        user.locked_until = None
        user.failed_attempts = 0
    record_activity(
        session, event="lockout_lifted", login=actor.login, user_id=actor.user_id,
        detail=f"{user.login}: {reason}"[:500], session_id=actor.session_id,
    )


def reissue_code(
    session: Session,
    actor: Actor,
    *,
    login: str,
    reason: str,
    valid_days: int = DEFAULT_CODE_VALID_DAYS,
    now: datetime | None = None,
) -> NewCode:
    """A new activation code for any account; the old password and sessions stop working."""
    user, reason = _target(session, actor, login, reason)
    if user.status is AccountStatus.BLOCKED:
        raise DomainError(
            f"Учётная запись «{user.display_name}» заблокирована: сначала разблокируйте её "
            "или закройте инцидент с восстановлением доступа."
        )
    if user.id == actor.user_id:
        raise DomainError("Свой пароль меняйте в профиле.")
    with audit_context(session, reason=reason):
        new = reset_to_new_code(
            session, actor, user=user, now=now or utcnow(), valid_days=valid_days
        )
    record_activity(
        session, event="code_reissued", login=actor.login, user_id=actor.user_id,
        detail=f"{user.login}: {reason}"[:500], session_id=actor.session_id,
    )
    return new
