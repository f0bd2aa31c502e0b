"""Incident records: the list and one incident, and what every step of handling one shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import school_today
from klassruk.errors import PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.incidents import IncidentStatus, ReporterKind, SecurityIncident
from klassruk.services.accounts.users import author_names
from klassruk.services.locking import lock_rows
from klassruk.services.lookup import get_or_404
from klassruk.services.school_settings import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting
from klassruk.services.scope.links import family_accounts_in_scope
from klassruk.text.policy import required_reason

MAX_TEXT = 1000
INCIDENT_NOT_FOUND = "Инцидент не найден."


def school_zone(session: Session) -> str:
    """The school's time zone (deadlines and shown times use it)."""
    return get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)



def required_note(text: str, what: str, *, limit: int) -> str:
    """An incident's text (how it was found, a reason, a conclusion): given and within `limit`."""
    return required_reason(text, missing=f"Укажите {what}.", limit=limit, what="Текст")



@dataclass(frozen=True)
class IncidentRow:
    """An incident as the list and the act show it."""

    id: int
    login: str
    account_name: str
    reporter_kind: ReporterKind
    reported_by: str
    reported_at: datetime
    recorded_at: datetime
    discovered_at: datetime
    suspected_since: datetime | None
    how_discovered: str
    deadline_at: datetime
    reported_in_time: bool
    status: IncidentStatus
    voided_from: datetime | None
    void_reason: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None


def _row(incident: SecurityIncident, names: dict[str, str]) -> IncidentRow:
    return IncidentRow(
        id=incident.id,
        login=incident.user.login,
        account_name=incident.user.display_name,
        reporter_kind=incident.reporter_kind,
        reported_by=names.get(incident.reported_by_login, incident.reported_by_login),
        reported_at=incident.reported_at,
        recorded_at=incident.recorded_at,
        discovered_at=incident.discovered_at,
        suspected_since=incident.suspected_since,
        how_discovered=incident.how_discovered,
        deadline_at=incident.deadline_at,
        reported_in_time=incident.reported_in_time,
        status=incident.status,
        voided_from=incident.voided_from,
        void_reason=incident.void_reason,
        closed_at=incident.closed_at,
        closed_by=names.get(incident.closed_by_login or "", incident.closed_by_login),
        close_note=incident.close_note,
    )


def list_incidents(session: Session, actor: Actor) -> list[IncidentRow]:
    """Incidents the actor may see, newest first: all school-wide, own families' for a teacher."""
    require(actor, Action.VIEW_INCIDENTS)
    query = (
        select(SecurityIncident)
        .join(UserAccount, UserAccount.id == SecurityIncident.user_id)
        .order_by(SecurityIncident.id.desc())
    )
    if not actor.is_school_wide_for(Action.VIEW_INCIDENTS):
        query = query.where(
            or_(
                SecurityIncident.reported_by_user_id == actor.user_id,
                family_accounts_in_scope(actor, school_today(school_zone(session))),
            )
        )
    incidents = list(session.scalars(query))
    names = author_names(
        session,
        {i.reported_by_login for i in incidents} | {i.closed_by_login or "" for i in incidents},
    )
    return [_row(incident, names) for incident in incidents]


def managed_incident(
    session: Session, actor: Actor, incident_id: int, *, lock: bool = False
) -> SecurityIncident:
    """An incident the actor may handle; `lock`: a second handler of it waits, then sees ours."""
    require(actor, Action.MANAGE_INCIDENTS)
    incident = get_or_404(session, SecurityIncident, incident_id, INCIDENT_NOT_FOUND)
    if lock:
        (incident,) = lock_rows(session, SecurityIncident, [incident.id])
    return incident


def get_incident(session: Session, actor: Actor, incident_id: int) -> IncidentRow:
    """One incident the actor may see."""
    for row in list_incidents(session, actor):
        if row.id == incident_id:
            return row
    raise PermissionDenied(INCIDENT_NOT_FOUND)


