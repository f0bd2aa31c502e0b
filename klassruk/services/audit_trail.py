"""Reading the audit trail (admin): people's names, Russian titles, filters, paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from klassruk.audit_titles import OPERATION_TITLES, changes_text, entity_title
from klassruk.models import AuditLog, UserAccount
from klassruk.permissions import Action, Actor, require

SYSTEM_PREFIX = "system:"


@dataclass(frozen=True)
class ChangeFilter:
    """What part of the log to show; every field narrows it, None means any."""

    author_id: int | None = None
    entity: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    incident_id: int | None = None


@dataclass(frozen=True)
class ChangeRow:
    """One audited write as school IT reads it."""

    id: int
    at: datetime
    who: str
    operation: str
    entity: str
    entity_id: str
    changes: str
    reason: str | None
    incident_id: int | None
    voided_by_incident_id: int | None


def who_title(login: str, name: str | None) -> str:
    """A person's name, or what a system process is called in Russian."""
    if name:
        return name
    if login.startswith(SYSTEM_PREFIX):
        return f"система ({login.removeprefix(SYSTEM_PREFIX)})"
    return login


def _day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def _conditions(filters: ChangeFilter, timezone: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.author_id is not None:
        conditions.append(AuditLog.actor_user_id == filters.author_id)
    if filters.entity:
        conditions.append(AuditLog.entity == filters.entity)
    if filters.date_from is not None:
        conditions.append(AuditLog.at >= _day_start(filters.date_from, timezone))
    if filters.date_to is not None:
        conditions.append(AuditLog.at < _day_start(filters.date_to + timedelta(days=1), timezone))
    if filters.incident_id is not None:
        conditions.append(
            or_(
                AuditLog.incident_id == filters.incident_id,
                AuditLog.voided_by_incident_id == filters.incident_id,
            )
        )
    return conditions


def change_log(
    session: Session,
    actor: Actor,
    *,
    filters: ChangeFilter,
    timezone: str,
    limit: int = 100,
    offset: int = 0,
) -> list[ChangeRow]:
    """One page of matching audit rows, newest first."""
    require(actor, Action.VIEW_AUDIT_LOG)
    conditions = _conditions(filters, timezone)
    query = (
        select(AuditLog, UserAccount.display_name)
        .outerjoin(UserAccount, UserAccount.id == AuditLog.actor_user_id)
        .where(*conditions)
        .order_by(AuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        ChangeRow(
            id=row.id,
            at=row.at,
            who=who_title(row.actor_login, name),
            operation=OPERATION_TITLES.get(row.operation, row.operation),
            entity=entity_title(row.entity),
            entity_id=row.entity_id,
            changes=changes_text(row.operation, row.changes, timezone),
            reason=row.reason,
            incident_id=row.incident_id,
            voided_by_incident_id=row.voided_by_incident_id,
        )
        for row, name in session.execute(query)
    ]


def count_changes(session: Session, actor: Actor, *, filters: ChangeFilter, timezone: str) -> int:
    """How many audit rows match, for paging."""
    require(actor, Action.VIEW_AUDIT_LOG)
    conditions = _conditions(filters, timezone)
    return session.scalar(select(func.count()).select_from(AuditLog).where(*conditions)) or 0


@dataclass(frozen=True)
class Author:
    """Someone who has written to the log, for the person filter."""

    user_id: int
    name: str
    login: str


def change_authors(session: Session, actor: Actor) -> list[Author]:
    """People with at least one audited write, by name."""
    require(actor, Action.VIEW_AUDIT_LOG)
    query = (
        select(UserAccount.id, UserAccount.display_name, UserAccount.login)
        .where(UserAccount.id.in_(select(AuditLog.actor_user_id).distinct()))
        .order_by(UserAccount.display_name, UserAccount.login)
    )
    return [Author(user_id, name, login) for user_id, name, login in session.execute(query)]


def logged_entities(session: Session, actor: Actor) -> list[str]:
    """Tables that appear in the log."""
    require(actor, Action.VIEW_AUDIT_LOG)
    return sorted(session.scalars(select(AuditLog.entity).distinct()), key=entity_title)
