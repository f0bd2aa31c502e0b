"""The admin's user list: accounts created with roles, filtered and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.access.passwords import check_password_policy, hash_password
from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.services.accounts.login import find_user_by_login, normalize_login

SYSTEM_PREFIX = "system:"
# What the writing system processes (Actor.system) are called where an author is shown.
SYSTEM_TITLES = {
    "demo": "демо-данные",
    "cli": "командная строка",
    "setup": "первый запуск",
    "login": "вход в систему",
    "sender": "рассылка уведомлений",
    "settings": "настройки",
    "http_edge": "веб-сервер",
    "class_journal": "журнал класса",
}


def who_title(login: str, name: str | None) -> str:
    """A person's name, or what a system process is called in Russian; a bare login last."""
    if name:
        return name
    if login.startswith(SYSTEM_PREFIX):
        process = SYSTEM_TITLES.get(login.removeprefix(SYSTEM_PREFIX))
        return f"система ({process})" if process else "система"
    return login


def author_names(session: Session, logins: set[str]) -> dict[str, str]:
    """Who wrote a row, for each login kept with it: the person's name (see who_title)."""
    rows = session.execute(
        select(UserAccount.login, UserAccount.display_name).where(
            UserAccount.login.in_(sorted(logins))
        )
    )
    names = {login: name for login, name in rows}
    return {login: who_title(login, names.get(login)) for login in logins}


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
