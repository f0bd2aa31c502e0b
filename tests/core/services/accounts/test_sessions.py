"""Sessions: a token issued before a logout, a password change or a role change stops working."""

from __future__ import annotations

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.accounts import UserRole
from klassruk.services.accounts.login import (
    find_user_by_login,
)
from klassruk.services.accounts.sessions import revoke_sessions, user_for_session_token
from tests.factories import (
    SYSTEM,
    actor_of,
)


def test_token_issued_before_logout_is_rejected(factory, teacher):
    issued_at = utcnow()
    with unit_of_work(factory, SYSTEM) as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is not None
        revoke_sessions(session, actor_of(session, teacher))
    with factory() as session:
        assert user_for_session_token(session, login=teacher, issued_at=issued_at) is None
        later = utcnow()
        assert user_for_session_token(session, login=teacher, issued_at=later) is not None


def test_revocation_and_role_changes_hold_at_once_in_another_process(
    database_url, factory, teacher
):
    issued_at = utcnow()
    other_engine = make_engine(database_url)  # a second app process, its own pool
    other_factory = make_session_factory(other_engine)
    try:
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            seen = user_for_session_token(session, login=teacher, issued_at=issued_at)
        assert seen is not None and seen.roles == {Role.TEACHER}
        with unit_of_work(factory, SYSTEM) as session:
            user = find_user_by_login(session, teacher)
            assert user is not None
            user.role_rows.append(UserRole(role=Role.CLASS_TEACHER))
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            seen = user_for_session_token(session, login=teacher, issued_at=issued_at)
        assert seen is not None and seen.roles == {Role.TEACHER, Role.CLASS_TEACHER}
        with unit_of_work(factory, SYSTEM) as session:
            revoke_sessions(session, actor_of(session, teacher))
        with unit_of_work(other_factory, SYSTEM, read_only=True) as session:
            assert user_for_session_token(session, login=teacher, issued_at=issued_at) is None
    finally:
        other_engine.dispose()
