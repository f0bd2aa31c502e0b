"""Security incidents: a reported compromise blocks the account, voids what was done with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from klassruk.audit import audit_context
from klassruk.errors import DomainError, PermissionDenied
from klassruk.formatting import format_timestamp, school_today
from klassruk.models import (
    AccountStatus,
    AuditLog,
    IncidentItem,
    IncidentStatus,
    ItemOutcome,
    Notice,
    ReporterKind,
    SecurityIncident,
    UserAccount,
    UserRole,
    utcnow,
)
from klassruk.permissions import Action, Actor, Role, require
from klassruk.services.accounts import find_user_by_login
from klassruk.services.activity import record_activity
from klassruk.services.credentials import (
    DEFAULT_CODE_VALID_DAYS,
    STAFF_ROLES,
    open_codes,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.restore import undo_operation
from klassruk.services.scope import (
    OUT_OF_SCOPE,
    current_students_query,
    guardians_in_scope_query,
    own_class_ids_query,
)
from klassruk.services.user_admin import NewCode, reset_to_new_code
from klassruk.setup import DEFAULT_TIMEZONE, TIMEZONE_KEY, get_setting
from klassruk.workdays import report_deadline

MAX_TEXT = 1000
# Notices go to the school's management in the app: the admin and the deputy heads.
NOTIFIED_ROLES = (Role.ADMIN, Role.DEPUTY_HEAD)
STAFF_BY_ADMIN = "О компрометации учётной записи сотрудника сообщает администратор."
INCIDENT_NOT_FOUND = "Инцидент не найден."


def school_zone(session: Session) -> str:
    """The school's time zone (deadlines and shown times use it)."""
    return get_setting(session, TIMEZONE_KEY, DEFAULT_TIMEZONE)


def _families_in_scope(actor: Actor, zone: str) -> ColumnElement[bool]:
    """SQL: accounts of the class teacher's current students and of their guardians."""
    if Role.CLASS_TEACHER not in actor.roles:
        return false()
    on = school_today(zone)
    return or_(
        UserAccount.student_id.in_(current_students_query(own_class_ids_query(actor), on)),
        UserAccount.guardian_id.in_(guardians_in_scope_query(actor, on)),
    )


def _reporter_kind(session: Session, actor: Actor, user: UserAccount, zone: str) -> ReporterKind:
    """Who may report this account: its owner, the admin, or the class teacher of the family."""
    if actor.user_id == user.id:
        require(actor, Action.REPORT_OWN_COMPROMISE)
        return ReporterKind.SELF
    require(actor, Action.REPORT_COMPROMISE)
    if actor.is_school_wide_for(Action.REPORT_COMPROMISE):
        return ReporterKind.ADMIN
    if user.staff_id is not None or user.roles & STAFF_ROLES:
        raise PermissionDenied(STAFF_BY_ADMIN)
    reachable = session.scalar(
        select(UserAccount.id).where(UserAccount.id == user.id, _families_in_scope(actor, zone))
    )
    if reachable is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    return ReporterKind.CLASS_TEACHER


def _clean_text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise DomainError(f"Укажите {what}.")
    if len(cleaned) > MAX_TEXT:
        raise DomainError(f"Слишком длинный текст: не больше {MAX_TEXT} символов.")
    return cleaned


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
        # The same refusal as out of scope: a class teacher learns nothing about other logins.
        require(actor, Action.REPORT_OWN_COMPROMISE)
        raise PermissionDenied(OUT_OF_SCOPE)
    zone = school_zone(session)
    kind = _reporter_kind(session, actor, user, zone)
    how = _clean_text(how_discovered, "как обнаружена компрометация")
    reported_at = reported_at or now
    _check_times(
        discovered_at=discovered_at, reported_at=reported_at, suspected_since=suspected_since,
        now=now,
    )
    if session.scalar(
        select(SecurityIncident.id).where(
            SecurityIncident.user_id == user.id,
            SecurityIncident.status == IncidentStatus.OPEN,
        )
    ):
        raise DomainError(
            f"По учётной записи «{user.display_name}» уже открыт инцидент: "
            "она заблокирована, сеансы завершены."
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
    session.add(incident)
    session.flush()
    with audit_context(
        session, reason=f"Компрометация, инцидент № {incident.id}", incident_id=incident.id
    ):
        user.status = AccountStatus.BLOCKED
        user.sessions_valid_after = now
        for code in open_codes(session, [user.id]):
            code.revoked_at = now
    in_time = "в срок" if incident.reported_in_time else "с нарушением срока (один рабочий день)"
    _notify_management(
        session,
        incident,
        f"Инцидент № {incident.id}: сообщено о компрометации учётной записи "
        f"«{user.display_name}» ({user.login}), сообщение поступило {in_time}. "
        f"Учётная запись заблокирована, все сеансы завершены. Сообщил(а): {actor.login}, "
        f"{format_timestamp(reported_at, zone)}.",
    )
    record_activity(
        session, event="compromise_reported", login=actor.login, user_id=actor.user_id,
        detail=f"инцидент № {incident.id}, учётная запись {user.login}",
        session_id=actor.session_id,
    )
    session.flush()
    return incident


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


def _names(session: Session, logins: set[str]) -> dict[str, str]:
    rows = session.execute(
        select(UserAccount.login, UserAccount.display_name).where(
            UserAccount.login.in_(sorted(logins))
        )
    )
    return {login: name for login, name in rows}


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
                _families_in_scope(actor, school_zone(session)),
            )
        )
    incidents = list(session.scalars(query))
    names = _names(
        session,
        {i.reported_by_login for i in incidents} | {i.closed_by_login or "" for i in incidents},
    )
    return [_row(incident, names) for incident in incidents]


def _managed_incident(session: Session, actor: Actor, incident_id: int) -> SecurityIncident:
    require(actor, Action.MANAGE_INCIDENTS)
    return get_or_404(session, SecurityIncident, incident_id, INCIDENT_NOT_FOUND)


def get_incident(session: Session, actor: Actor, incident_id: int) -> IncidentRow:
    """One incident the actor may see."""
    for row in list_incidents(session, actor):
        if row.id == incident_id:
            return row
    raise PermissionDenied(INCIDENT_NOT_FOUND)


def _operations_query(incident: SecurityIncident, since: datetime) -> Select[AuditLog]:
    # Writes made as part of handling an incident (the report itself) are never voided.
    return (
        select(AuditLog)
        .where(
            AuditLog.actor_user_id == incident.user_id,
            AuditLog.at >= since,
            AuditLog.voided_by_incident_id.is_(None),
            AuditLog.incident_id.is_(None),
        )
        .order_by(AuditLog.id)
    )


def _void_start(incident: SecurityIncident, *, from_suspected: bool) -> datetime:
    if from_suspected:
        if incident.suspected_since is None:
            raise DomainError(
                "В сообщении не указано, с какого времени подозревается компрометация."
            )
        return incident.suspected_since
    return incident.reported_at


def operations_to_void(
    session: Session, actor: Actor, *, incident_id: int, from_suspected: bool = False
) -> list[AuditLog]:
    """Audited operations made with the account since the report (or the suspected time)."""
    incident = _managed_incident(session, actor, incident_id)
    since = _void_start(incident, from_suspected=from_suspected)
    return list(session.scalars(_operations_query(incident, since)))


@dataclass(frozen=True)
class VoidSummary:
    """How many operations were voided, and what became of their data."""

    voided: int
    restored: int
    conflicts: int
    not_restorable: int


def void_operations(
    session: Session,
    actor: Actor,
    *,
    incident_id: int,
    reason: str,
    from_suspected: bool = False,
    now: datetime | None = None,
) -> VoidSummary:
    """Mark the account's operations invalid and restore their data, newest first, in one go."""
    incident = _managed_incident(session, actor, incident_id)
    reason = _clean_text(reason, "причину")
    now = now or utcnow()
    since = _void_start(incident, from_suspected=from_suspected)
    rows = list(session.scalars(_operations_query(incident, since)))
    counts = dict.fromkeys(ItemOutcome, 0)
    with audit_context(session, reason=reason, incident_id=incident.id):
        # Newest first: a chain of changes to one row unwinds back to before the first.
        for row in reversed(rows):
            detail: str | None
            if row.entity == "user_account" and row.entity_id == str(incident.user_id):
                outcome, detail, current = (
                    ItemOutcome.NOT_RESTORABLE,
                    "учётная запись самого инцидента: её состояние определяет инцидент",
                    None,
                )
            else:
                undo = undo_operation(session, row)
                outcome, detail, current = undo.outcome, undo.detail, undo.current
            row.voided_by_incident_id = incident.id
            session.add(
                IncidentItem(
                    incident_id=incident.id, audit_id=row.id, outcome=outcome,
                    detail=detail, current=current,
                )
            )
            counts[outcome] += 1
    incident.voided_at = now
    incident.voided_by_login = actor.login[:80]
    incident.void_reason = reason[:500]
    if incident.voided_from is None or since < incident.voided_from:
        incident.voided_from = since
    session.flush()
    return VoidSummary(
        voided=len(rows),
        restored=counts[ItemOutcome.RESTORED],
        conflicts=counts[ItemOutcome.CONFLICT],
        not_restorable=counts[ItemOutcome.NOT_RESTORABLE],
    )


@dataclass(frozen=True)
class VoidedOperation:
    """A voided operation with the fate of its data."""

    item_id: int
    audit: AuditLog
    outcome: ItemOutcome
    detail: str | None
    current: dict[str, object] | None
    decided_by: str | None
    decision_note: str | None


def voided_operations(session: Session, actor: Actor, *, incident_id: int) -> list[VoidedOperation]:
    """The operations an incident voided, oldest first."""
    require(actor, Action.VIEW_INCIDENTS)
    if not actor.is_school_wide_for(Action.VIEW_INCIDENTS):
        get_incident(session, actor, incident_id)
    rows = session.execute(
        select(IncidentItem, AuditLog)
        .join(AuditLog, AuditLog.id == IncidentItem.audit_id)
        .where(IncidentItem.incident_id == incident_id)
        .order_by(AuditLog.id)
    ).all()
    names = _names(session, {item.decided_by_login or "" for item, _ in rows})
    return [
        VoidedOperation(
            item_id=item.id, audit=audit, outcome=item.outcome, detail=item.detail,
            current=item.current,
            decided_by=names.get(item.decided_by_login or "", item.decided_by_login),
            decision_note=item.decision_note,
        )
        for item, audit in rows
    ]


def decide_conflict(
    session: Session,
    actor: Actor,
    *,
    item_id: int,
    restore: bool,
    note: str,
    now: datetime | None = None,
) -> None:
    """A person's decision on a conflict: keep the later change, or restore over it."""
    require(actor, Action.MANAGE_INCIDENTS)
    item = get_or_404(session, IncidentItem, item_id, "Операция не найдена.")
    if item.outcome is not ItemOutcome.CONFLICT:
        raise DomainError("Решение нужно только для конфликта; эта операция уже обработана.")
    note = _clean_text(note, "обоснование решения")
    if restore:
        audit = get_or_404(session, AuditLog, item.audit_id, "Операция не найдена.")
        with audit_context(session, reason=note, incident_id=item.incident_id):
            undo = undo_operation(session, audit, force=True)
        if undo.outcome is not ItemOutcome.RESTORED:
            raise DomainError(f"Восстановить не удалось: {undo.detail}.")
    item.outcome = ItemOutcome.RESTORED_BY_HAND if restore else ItemOutcome.KEPT
    item.decided_at = now or utcnow()
    item.decided_by_login = actor.login[:80]
    item.decision_note = note[:500]
    session.flush()


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
    incident = _managed_incident(session, actor, incident_id)
    if incident.status is IncidentStatus.CLOSED:
        raise DomainError("Инцидент уже закрыт.")
    note = _clean_text(note, "заключение по инциденту")
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
        incident.status = IncidentStatus.CLOSED
        incident.closed_at = now
        incident.closed_by_login = actor.login[:80]
        incident.close_note = note
    return reinstated
