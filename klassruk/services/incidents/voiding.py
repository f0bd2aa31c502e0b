"""Voiding: the account's operations marked invalid and their data restored, conflicts decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.audit.log import audit_context
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models import AuditLog
from klassruk.models.incidents import IncidentItem, ItemOutcome, SecurityIncident
from klassruk.services.accounts.users import author_names
from klassruk.services.incidents.records import (
    get_incident,
    managed_incident,
    required_note,
)
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.lookup import get_or_404
from klassruk.services.restore import undo_operation
from klassruk.text.policy import MAX_REASON


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
    incident = managed_incident(session, actor, incident_id)
    since = _void_start(incident, from_suspected=from_suspected)
    return list(session.scalars(_operations_query(incident, since)))


@dataclass(frozen=True)
class VoidSummary:
    """How many operations were voided, and what became of their data."""

    voided: int
    restored: int
    conflicts: int
    not_restorable: int


def _void_one(session: Session, incident: SecurityIncident, row: AuditLog) -> ItemOutcome:
    """Mark one operation invalid and restore its data where nobody changed it since."""
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
    return outcome


@read_modify_write("the incident row locked; each restored row compared under its lock")
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
    # A second void of the incident waits here, then finds the operations already voided.
    incident = managed_incident(session, actor, incident_id, lock=True)
    reason = required_note(reason, "причину", limit=MAX_REASON)
    now = now or utcnow()
    since = _void_start(incident, from_suspected=from_suspected)
    rows = list(session.scalars(_operations_query(incident, since)))
    counts = dict.fromkeys(ItemOutcome, 0)
    with audit_context(session, reason=reason, incident_id=incident.id):
        # Newest first: a chain of changes to one row unwinds back to before the first.
        for row in reversed(rows):
            counts[_void_one(session, incident, row)] += 1
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
    names = author_names(session, {item.decided_by_login or "" for item, _ in rows})
    return [
        VoidedOperation(
            item_id=item.id, audit=audit, outcome=item.outcome, detail=item.detail,
            current=item.current,
            decided_by=names.get(item.decided_by_login or "", item.decided_by_login),
            decision_note=item.decision_note,
        )
        for item, audit in rows
    ]


@read_modify_write("the item row locked before its outcome is checked")
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
    found = get_or_404(session, IncidentItem, item_id, "Операция не найдена.")
    (item,) = lock_rows(session, IncidentItem, [found.id])
    if item.outcome is not ItemOutcome.CONFLICT:
        raise DomainError("Решение нужно только для конфликта; эта операция уже обработана.")
    note = required_note(note, "обоснование решения", limit=MAX_REASON)
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
