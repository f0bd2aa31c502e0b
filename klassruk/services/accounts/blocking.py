"""The admin blocks or unblocks any account, staff included, with a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.audit.log import audit_context
from klassruk.clock import utcnow
from klassruk.errors import DomainError, NotFound
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.incidents import IncidentStatus, SecurityIncident
from klassruk.services.accounts.login import find_user_by_login
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import open_codes
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.text.policy import AUDITED_REASON, required_reason


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
    reason = required_reason(reason, missing=AUDITED_REASON)
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
        detail=f"{user.login}: {reason}"[:500],
        session_id=actor.session_id,
    )
    return user
