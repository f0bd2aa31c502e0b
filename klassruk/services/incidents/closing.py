"""Closing an incident, with the account reinstated through a new activation code or not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.audit.log import audit_context
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models.incidents import IncidentItem, IncidentStatus, ItemOutcome
from klassruk.services.credentials.codes import DEFAULT_CODE_VALID_DAYS
from klassruk.services.incidents.records import MAX_TEXT, managed_incident, required_note
from klassruk.services.locking import read_modify_write
from klassruk.services.second_factor import clear_second_factor
from klassruk.services.user_admin import NewCode, reset_to_new_code


@read_modify_write("the incident row locked before its status is checked")
def close_incident(
    session: Session,
    actor: Actor,
    *,
    incident_id: int,
    note: str,
    reinstate: bool,
    valid_days: int = DEFAULT_CODE_VALID_DAYS,
    now: datetime | None = None,
) -> NewCode | None:
    """Close the incident with a note; reinstating gives a new code and forces a new password."""
    incident = managed_incident(session, actor, incident_id, lock=True)
    if incident.status is IncidentStatus.CLOSED:
        raise DomainError("Инцидент уже закрыт.")
    note = required_note(note, "заключение по инциденту", limit=MAX_TEXT)
    open_conflicts = session.scalar(
        select(IncidentItem.id).where(
            IncidentItem.incident_id == incident.id,
            IncidentItem.outcome == ItemOutcome.CONFLICT,
        ).limit(1)
    )
    if open_conflicts is not None:
        raise DomainError("Сначала примите решение по каждому конфликту восстановления данных.")
    now = now or utcnow()
    reinstated: NewCode | None = None
    with audit_context(session, reason=note, incident_id=incident.id):
        if reinstate:
            reinstated = reset_to_new_code(
                session, actor, user=incident.user, now=now, valid_days=valid_days
            )
            # The second factor may have been enrolled by whoever held the account: enrol anew.
            clear_second_factor(session, incident.user)
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = now
        incident.closed_by_login = actor.login[:80]
        incident.close_note = note
    return reinstated
