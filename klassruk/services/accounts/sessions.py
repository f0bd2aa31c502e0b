"""Sessions: whom a session token stands for, the acting identity, logging out everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor, Role
from klassruk.clock import utcnow
from klassruk.errors import NotFound
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.services.accounts.login import normalize_login
from klassruk.services.activity import record_activity


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


def own_account(session: Session, actor: Actor) -> UserAccount:
    """The actor's own account (NotFound for an actor without one)."""
    if actor.user_id is None:
        raise NotFound("Учётная запись не найдена.")
    user = session.get(UserAccount, actor.user_id)
    if user is None:
        raise NotFound("Учётная запись не найдена.")
    return user


def revoke_sessions(session: Session, actor: Actor) -> None:
    """Log the actor out everywhere: every session token issued until now stops working."""
    user = own_account(session, actor)
    user.sessions_valid_after = utcnow()
    record_activity(
        session, event="logout", login=user.login, user_id=user.id, session_id=actor.session_id
    )
