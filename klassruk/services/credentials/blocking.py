"""A class teacher blocks the accounts of students and guardians of the class."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import open_codes
from klassruk.services.credentials.issuing import locked_class_for_codes
from klassruk.services.credentials.people import (
    STAFF_ROLES,
    PersonRef,
    accounts_of,
    check_selection,
    class_people,
    shared_guardians,
)
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.links import SHARED_GUARDIAN


@read_modify_write("the class row, the issue lock and the account rows; states re-read")
def block_accounts(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    on: date,
    people: Collection[PersonRef],
    now: datetime | None = None,
) -> int:
    """Block the accounts of the selected people: sessions end and open codes stop working.

    It takes issuing's locks (`locked_class_for_codes`: no block halfway through an issue),
    then locks the accounts and reads them afresh: a second block of the same people at the
    same moment finds them blocked and blocks nobody.
    """
    require_class_scope(session, actor, class_id, Action.ISSUE_CREDENTIALS)
    now = now or utcnow()
    school_class = locked_class_for_codes(session, class_id)
    members = class_people(session, class_id, on)
    check_selection(session, actor, members, people, school_class.name)
    accounts = accounts_of(session, people)
    shared = shared_guardians(session, actor, accounts, on)
    for ref in people:
        user = accounts.get(ref)
        if user is None:
            raise DomainError(
                f"У «{members[ref].full_name}» нет учётной записи: блокировать нечего."
            )
        if user.staff_id is not None or user.roles & STAFF_ROLES:
            raise DomainError(
                f"«{members[ref].full_name}»: учётную запись сотрудника блокирует "
                "администратор."
            )
        if ref in shared:
            raise PermissionDenied(SHARED_GUARDIAN.format(name=members[ref].full_name))
    users = lock_rows(session, UserAccount, [accounts[ref].id for ref in people])
    blocked = 0
    for old in open_codes(session, [u.id for u in users]):
        old.revoked_at = now
    for user in users:
        if user.status is AccountStatus.BLOCKED:
            continue
        user.status = AccountStatus.BLOCKED
        user.sessions_valid_after = now
        blocked += 1
        record_activity(
            session, event="account_blocked", login=user.login, user_id=user.id,
            detail=f"заблокировал {actor.login}", session_id=actor.session_id,
        )
    session.flush()
    return blocked
