"""What the credentials tests share: a class's issue, a login, a slip by name."""

from __future__ import annotations

from klassruk.infra.db import unit_of_work
from klassruk.services.accounts.login import LockoutPolicy
from klassruk.services.credentials.issuing import issue_credentials
from tests.factories import actor_of, attempt_login
from tests.schools.roster_school import ON

POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)
NEW_PASSWORD = "Мой личный пароль 7А"


def issue(factory, login: str, class_id: int, people=None, **kwargs):
    """Issue credentials as `login` in a unit of work of its own."""
    with factory() as session:
        actor = actor_of(session, login)
    with unit_of_work(factory, actor) as session:
        return issue_credentials(session, actor, class_id=class_id, on=ON, people=people, **kwargs)


def log_in(factory, login: str, secret: str, *, session_id: str = "browser-1", now=None):
    """(error, user id) of a login attempt with a password or a code."""
    result = attempt_login(factory, login, secret, policy=POLICY, session_id=session_id)
    return result.error, (result.user.id if result.user else None)


def by_name(result, name_part: str):
    """The slip of the person whose name contains `name_part`."""
    return next(c for c in result.issued if name_part in c.name)
