"""Reading the audit trail (admin)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.models import AuditLog
from klassruk.permissions import Action, Actor, require


def recent_changes(
    session: Session,
    actor: Actor,
    *,
    entity: str = "",
    actor_login: str = "",
    limit: int = 200,
) -> list[AuditLog]:
    """The newest audit rows, optionally for one table or one user."""
    require(actor, Action.VIEW_AUDIT_LOG)
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditLog.entity == entity)
    if actor_login.strip():
        query = query.where(AuditLog.actor_login == actor_login.strip().lower())
    return list(session.scalars(query))
