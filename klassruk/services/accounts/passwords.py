"""Passwords: the own password changed, and the first one set right after activation by code."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from klassruk.access.passwords import PasswordChange, check_new_password
from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.accounts.sessions import own_account
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import may_resume_activation
from klassruk.services.locking import lock_rows

FIRST_PASSWORD_REFUSED = (
    "Задать пароль без текущего можно только сразу после входа по коду активации. "
    "Попросите классного руководителя выдать новый код."
)


def apply_password_change(session: Session, actor: Actor, change: PasswordChange) -> None:
    """Store the actor's checked new password; this ends every other session of the account."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    # Locked and read afresh: a change made meanwhile in another window is seen here.
    locked = lock_rows(session, UserAccount, [actor.user_id] if actor.user_id else [])
    if not locked:
        raise NotFound("Учётная запись не найдена.")
    user = locked[0]
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
    """Both halves in one call (scripts, tests); pages run the hashing half before the write."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    user = own_account(session, actor)
    change = check_new_password(
        login=user.login, new_password=new_password, confirmation=confirmation,
        names=(user.display_name,),
        current_password=current_password, stored_hash=user.password_hash,
    )
    apply_password_change(session, actor, change)


def _pending_first_password_code(session: Session, actor: Actor) -> ActivationCode | None:
    if actor.user_id is None or actor.session_id is None:
        return None
    user = session.get(UserAccount, actor.user_id)
    if (
        user is None
        or user.password_hash is not None
        or user.status is not AccountStatus.ACTIVE
        or not user.must_change_password
    ):
        return None
    latest = session.scalar(
        select(ActivationCode)
        .where(ActivationCode.user_id == user.id, ActivationCode.used_at.is_not(None))
        .order_by(ActivationCode.used_at.desc(), ActivationCode.id.desc())
        .limit(1)
    )
    if latest is None or latest.used_session_id != actor.session_id:
        return None
    if not may_resume_activation(user, latest, utcnow()):
        return None
    return latest


def needs_first_password(session: Session, actor: Actor) -> bool:
    """Whether this session activated the account by code and may set a password without one."""
    # The profile asks on every visit; nearly every account has its password: one column says.
    if session.scalar(_has_password(), {"user_id": actor.user_id}):
        return False
    return _pending_first_password_code(session, actor) is not None


@cache
def _has_password() -> Select[bool]:
    return select(UserAccount.password_hash.is_not(None)).where(
        UserAccount.id == bindparam("user_id")
    )


def set_first_password(
    session: Session, actor: Actor, *, new_password: str, confirmation: str
) -> None:
    """Both halves in one call (scripts, tests); pages run the hashing half before the write."""
    change = check_new_password(
        login=actor.login, new_password=new_password, confirmation=confirmation,
        names=(user.display_name,) if (user := session.get(UserAccount, actor.user_id)) else (),
    )
    store_first_password(session, actor, change)


def store_first_password(session: Session, actor: Actor, change: PasswordChange) -> None:
    """Set the first own password (hashed already) right after activation by code."""
    require(actor, Action.CHANGE_OWN_PASSWORD)
    if _pending_first_password_code(session, actor) is None:
        raise DomainError(FIRST_PASSWORD_REFUSED)
    user = session.get(UserAccount, actor.user_id)
    assert user is not None
    store_new_password(
        session, user, change.new_hash, event="password_set", session_id=actor.session_id
    )


def store_new_password(
    session: Session, user: UserAccount, new_hash: str, *, event: str, session_id: str | None
) -> None:
    """Set an already hashed password: activate the account and revoke its other sessions."""
    user.password_hash = new_hash
    user.must_change_password = False
    user.status = AccountStatus.ACTIVE
    user.sessions_valid_after = utcnow()
    record_activity(
        session, event=event, login=user.login, user_id=user.id, session_id=session_id
    )
