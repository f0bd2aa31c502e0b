"""Small helpers for tests: accounts and actors built on the real services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.models import UserAccount
from klassruk.permissions import Actor, Role
from klassruk.services.accounts import actor_for, create_user

SYSTEM = Actor.system("test")
TEST_PASSWORD = "Надёжный пароль 2026"


def make_account(
    session: Session,
    login: str,
    roles: set[Role],
    *,
    password: str = TEST_PASSWORD,
    must_change_password: bool = False,
    **links: int,
) -> UserAccount:
    """An active account created through the accounts service."""
    return create_user(
        session,
        SYSTEM,
        login=login,
        display_name=login.title(),
        roles=roles,
        password=password,
        must_change_password=must_change_password,
        **links,
    )


def actor_of(session: Session, login: str) -> Actor:
    """The actor of an existing account."""
    user = session.scalar(select(UserAccount).where(UserAccount.login == login))
    assert user is not None, login
    return actor_for(user, session_id="test-session")
