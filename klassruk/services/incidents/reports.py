"""Reporting a compromise: the account is blocked, its sessions and codes end at once."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.audit.log import audit_context
from klassruk.clock import school_today, utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.models.incidents import IncidentStatus, Notice, ReporterKind, SecurityIncident
from klassruk.services.accounts.login import find_user_by_login
from klassruk.services.activity import record_activity
from klassruk.services.credentials.codes import open_codes
from klassruk.services.credentials.people import STAFF_ROLES
from klassruk.services.incidents.records import MAX_TEXT, required_note, school_zone
from klassruk.services.locking import lock_rows, read_modify_write, refuse_duplicate
from klassruk.services.scope.classes import OUT_OF_SCOPE
from klassruk.services.scope.links import (
    SHARED_GUARDIAN,
    family_accounts_in_scope,
    shared_guardian_ids,
)
from klassruk.text.formatting import format_timestamp
from klassruk.text.russian import agree_with
from klassruk.workdays import report_deadline

# Notices go to the school's management in the app: the admin and the deputy heads.
NOTIFIED_ROLES = (Role.ADMIN, Role.DEPUTY_HEAD)
STAFF_BY_ADMIN = "О компрометации учётной записи сотрудника сообщает администратор."


def _reporter_kind(session: Session, actor: Actor, user: UserAccount, zone: str) -> ReporterKind:
    """Who may report this account: its owner, the admin, or the class teacher of the family."""
    if actor.user_id == user.id:
        require(actor, Action.REPORT_OWN_COMPROMISE)
        return ReporterKind.SELF
    if actor.is_school_wide_for(Action.REPORT_COMPROMISE):
        return ReporterKind.ADMIN
    # Any other account out of reach gets the answer a missing login gets: whether it exists,
    # or is a colleague's, is nothing a class teacher, a family or a pupil may learn here.
    reachable = actor.can(Action.REPORT_COMPROMISE) and session.scalar(
        select(UserAccount.id).where(
            UserAccount.id == user.id, family_accounts_in_scope(actor, school_today(zone))
        )
    )
    if not reachable:
        raise PermissionDenied(OUT_OF_SCOPE)
    if user.staff_id is not None or user.roles & STAFF_ROLES:
        raise PermissionDenied(STAFF_BY_ADMIN)
    # The same rule as blocking from the credentials board: a shared family is the admin's.
    if user.guardian_id is not None and shared_guardian_ids(
        session, actor, [user.guardian_id], Action.REPORT_COMPROMISE, on=school_today(zone)
    ):
        raise PermissionDenied(SHARED_GUARDIAN.format(name=user.display_name))
    return ReporterKind.CLASS_TEACHER



def _check_times(
    *, discovered_at: datetime, reported_at: datetime, suspected_since: datetime | None,
    now: datetime,
) -> None:
    if discovered_at > now:
        raise DomainError("Время обнаружения не может быть в будущем.")
    if reported_at > now:
        raise DomainError("Время сообщения не может быть в будущем.")
    if reported_at < discovered_at:
        raise DomainError("Сообщить о компрометации можно только после её обнаружения.")
    if suspected_since is not None and suspected_since > discovered_at:
        raise DomainError("Подозрение на компрометацию не может начаться позже её обнаружения.")


def _notify_management(session: Session, incident: SecurityIncident, text: str) -> None:
    recipients = session.scalars(
        select(UserAccount.id)
        .where(
            UserAccount.role_rows.any(UserRole.role.in_(NOTIFIED_ROLES)),
            UserAccount.status != AccountStatus.BLOCKED,
        )
        .order_by(UserAccount.id)
    )
    for user_id in recipients:
        session.add(Notice(user_id=user_id, text=text[:MAX_TEXT], incident_id=incident.id))


def _already_open(user: UserAccount) -> str:
    return (
        f"По учётной записи «{user.display_name}» уже открыт инцидент: "
        "она заблокирована, сеансы завершены."
    )


def _insert_incident(session: Session, incident: SecurityIncident, user: UserAccount) -> None:
    """Insert the incident; one open incident per account is the database's rule."""
    # Unblocking the account locks this row too: it waits for the incident, then sees it.
    lock_rows(session, UserAccount, [user.id])
    if session.scalar(
        select(SecurityIncident.id).where(
            SecurityIncident.user_id == user.id,
            SecurityIncident.status == IncidentStatus.OPEN,
        )
    ):
        raise DomainError(_already_open(user))
    # Two reports at once: the second insert waits for the first and is refused by the index.
    with refuse_duplicate(session, _already_open(user)):
        session.add(incident)
    # The incident's own insert is part of handling it: voiding must never undo it.
    session.execute(
        update(AuditLog)
        .where(
            AuditLog.entity == SecurityIncident.__tablename__,
            AuditLog.entity_id == str(incident.id),
            AuditLog.operation == "insert",
        )
        .values(incident_id=incident.id)
    )


def _handling(session: Session, incident: SecurityIncident) -> AbstractContextManager[None]:
    """Writes that handle the incident: audited with it, so voiding leaves them alone."""
    return audit_context(
        session, reason=f"Компрометация, инцидент № {incident.id}", incident_id=incident.id
    )


def _block_account(
    session: Session, incident: SecurityIncident, user: UserAccount, now: datetime
) -> None:
    """Block the account, end its sessions and revoke its open codes, audited as the incident."""
    with _handling(session, incident):
        user.status = AccountStatus.BLOCKED
        user.sessions_valid_after = now
        for code in open_codes(session, [user.id]):
            code.revoked_at = now


def _notice_text(incident: SecurityIncident, user: UserAccount, reporter: str, zone: str) -> str:
    in_time = "в срок" if incident.reported_in_time else "с нарушением срока (один рабочий день)"
    return (
        f"Инцидент № {incident.id}: сообщено о компрометации учётной записи "
        f"«{user.display_name}» ({user.login}), сообщение поступило {in_time}. "
        f"Учётная запись заблокирована, все сеансы завершены. "
        f"{agree_with(reporter, 'Сообщил', 'Сообщила')}: {reporter}, "
        f"{format_timestamp(incident.reported_at, zone)}."
    )


@read_modify_write("partial unique index uq_security_incident_open (one open per account)")
def report_compromise(
    session: Session,
    actor: Actor,
    *,
    login: str,
    discovered_at: datetime,
    how_discovered: str,
    suspected_since: datetime | None = None,
    reported_at: datetime | None = None,
    now: datetime | None = None,
) -> SecurityIncident:
    """Record a compromise; at once block the account, end its sessions and revoke its codes."""
    now = now or utcnow()
    user = find_user_by_login(session, login)
    if user is None:
        # The refusal of an account out of reach (_reporter_kind): nobody learns which exist.
        raise PermissionDenied(OUT_OF_SCOPE)
    zone = school_zone(session)
    kind = _reporter_kind(session, actor, user, zone)
    how = required_note(how_discovered, "как обнаружена компрометация", limit=MAX_TEXT)
    reported_at = reported_at or now
    _check_times(
        discovered_at=discovered_at, reported_at=reported_at, suspected_since=suspected_since,
        now=now,
    )
    deadline = report_deadline(discovered_at, zone)
    incident = SecurityIncident(
        user_id=user.id,
        reporter_kind=kind,
        reported_by_user_id=actor.user_id,
        reported_by_login=actor.login[:80],
        reported_at=reported_at,
        recorded_at=now,
        discovered_at=discovered_at,
        suspected_since=suspected_since,
        how_discovered=how,
        deadline_at=deadline,
        reported_in_time=reported_at < deadline,
    )
    _insert_incident(session, incident, user)
    _block_account(session, incident, user, now)
    reporter = session.scalar(
        select(UserAccount.display_name).where(UserAccount.id == actor.user_id)
    ) or actor.login
    with _handling(session, incident):
        _notify_management(session, incident, _notice_text(incident, user, reporter, zone))
        record_activity(
            session, event="compromise_reported", login=actor.login, user_id=actor.user_id,
            detail=f"инцидент № {incident.id}, учётная запись {user.login}",
            session_id=actor.session_id,
        )
        session.flush()  # inside the context: these rows are audited as handling the incident
    return incident
