"""Reading the audit trail (admin): people's names, Russian titles, filters, paging."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.audit.titles import (
    LOGIN_COLUMNS,
    LOGIN_EVENT_TITLES,
    OPERATION_TITLES,
    Names,
    changes_text,
    entity_title,
    object_title,
    reference,
)
from klassruk.models import ActivityLog, AuditLog, Base
from klassruk.models.accounts import UserAccount
from klassruk.models.incidents import SecurityIncident
from klassruk.models.journal import Lesson
from klassruk.models.school import (
    Guardian,
    ReportingPeriod,
    SchoolClass,
    SchoolYear,
    Staff,
    Student,
    StudyGroup,
    Subject,
    full_name,
)
from klassruk.services.accounts.users import who_title
from klassruk.text.formatting import format_date

CHUNK = 500
# A row of another table is named by the first of these it points to (a grade by its pupil).
CONTEXT_TABLES = (
    "student", "guardian", "user_account", "staff", "lesson", "subject", "study_group",
    "school_class", "reporting_period", "school_year",
)


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
    object: str
    changes: str
    reason: str | None
    incident_id: int | None
    voided_by_incident_id: int | None


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


def _people(model: Any) -> Callable[[list[int]], Select[*tuple[Any, ...]]]:
    return lambda ids: select(
        model.id, model.last_name, model.first_name, model.middle_name
    ).where(model.id.in_(ids))


def _named(model: Any, column: Any) -> Callable[[list[int]], Select[*tuple[Any, ...]]]:
    return lambda ids: select(model.id, column).where(model.id.in_(ids))


# How the rows of each table that people refer to are called, read in one query per table.
LABEL_QUERIES: dict[str, Callable[[list[int]], Select[*tuple[Any, ...]]]] = {
    "user_account": _named(UserAccount, UserAccount.display_name),
    "student": _people(Student),
    "guardian": _people(Guardian),
    "staff": _people(Staff),
    "subject": _named(Subject, Subject.name),
    "study_group": _named(StudyGroup, StudyGroup.name),
    "reporting_period": _named(ReportingPeriod, ReportingPeriod.name),
    "school_year": _named(SchoolYear, SchoolYear.name),
    "school_class": lambda ids: select(
        SchoolClass.id, SchoolClass.grade, SchoolClass.letter
    ).where(SchoolClass.id.in_(ids)),
    "security_incident": lambda ids: select(
        SecurityIncident.id, UserAccount.display_name
    ).join(UserAccount, UserAccount.id == SecurityIncident.user_id).where(
        SecurityIncident.id.in_(ids)
    ),
    "lesson": lambda ids: select(
        Lesson.id, Subject.name, Lesson.lesson_date, Lesson.number
    ).join(Subject, Subject.id == Lesson.subject_id).where(Lesson.id.in_(ids)),
}


def _label(table: str, row: Sequence[Any]) -> str:
    if table in {"student", "guardian", "staff"}:
        return full_name(row[1], row[2], row[3])
    if table == "school_class":
        return f"{row[1]}{row[2]}"
    if table == "security_incident":
        return f"№ {row[0]}, учётная запись «{row[1]}»"
    if table == "lesson":
        return f"{row[1]}, {format_date(row[2])}, {row[3]}-й урок"
    return str(row[1])


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def _values(row: AuditLog) -> dict[str, Any]:
    """The row's column values the audit entry knows: new where there is one, else old."""
    values: dict[str, Any] = {}
    for column, change in row.changes.items():
        if isinstance(change, dict):
            values[column] = change.get("new", change.get("old"))
            if values[column] is None:
                values[column] = change.get("old")
    return values


def _context_columns(table: str) -> list[tuple[str, str]]:
    """(column, target table) of the table's references, by how well they name a row."""
    found = Base.metadata.tables.get(table)
    if found is None:
        return []
    pairs = [(c.name, reference(table, c.name)) for c in found.columns if c.foreign_keys]
    ranked = [(column, target) for column, target in pairs if target in CONTEXT_TABLES]
    return sorted(ranked, key=lambda pair: CONTEXT_TABLES.index(pair[1]))


def _current_references(
    session: Session, table: str, ids: set[int], columns: list[str]
) -> dict[int, dict[str, Any]]:
    found = Base.metadata.tables[table]
    key = found.primary_key.columns.values()[0]
    result: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = select(key, *(found.columns[c] for c in columns)).where(key.in_(chunk))
        for row in session.execute(query):
            result[row[0]] = dict(zip(columns, row[1:], strict=True))
    return result


def audit_names(session: Session, rows: Sequence[AuditLog]) -> Names:
    """Names of every person, row and login the audit rows mention, a few queries in all."""
    refs: dict[str, set[int]] = defaultdict(set)
    logins = {row.actor_login for row in rows}
    known: dict[tuple[str, str], dict[str, Any]] = {}
    missing: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        values = _values(row)
        known[(row.entity, row.entity_id)] = values
        logins |= {v for c, v in values.items() if c in LOGIN_COLUMNS and isinstance(v, str)}
        for column, value in values.items():
            target = reference(row.entity, column)
            if target in LABEL_QUERIES and isinstance(value, int):
                refs[target].add(value)
        if not row.entity_id.isdigit():
            continue
        if row.entity in LABEL_QUERIES:
            refs[row.entity].add(int(row.entity_id))
        elif any(c not in values for c, _ in _context_columns(row.entity)):
            missing[row.entity].add(int(row.entity_id))
    for table, ids in missing.items():
        columns = [c for c, _ in _context_columns(table)]
        for entity_id, current in _current_references(session, table, ids, columns).items():
            stored = known[(table, str(entity_id))]
            for column, value in current.items():
                stored.setdefault(column, value)
                target = reference(table, column)
                if target is not None and isinstance(value, int):
                    refs[target].add(value)
    labels: dict[tuple[str, str], str] = {}
    for table, ids in refs.items():
        for chunk in _chunks(ids):
            for found in session.execute(LABEL_QUERIES[table](chunk)):
                labels[(table, str(found[0]))] = _label(table, found)
    for (table, row_id), values in known.items():
        if table in LABEL_QUERIES:
            continue
        parts = [
            labels[(target, str(values[column]))]
            for column, target in _context_columns(table)
            if (target, str(values.get(column))) in labels
        ]
        if parts:
            labels[(table, row_id)] = ", ".join(dict.fromkeys(parts[:2]))
    named = session.execute(
        select(UserAccount.login, UserAccount.display_name).where(
            UserAccount.login.in_(sorted(logins))
        )
    )
    return Names(rows=labels, logins={login: name for login, name in named})


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
    found = session.execute(query).all()
    names = audit_names(session, [row for row, _ in found])
    return [
        ChangeRow(
            id=row.id,
            at=row.at,
            who=who_title(row.actor_login, name),
            operation=OPERATION_TITLES.get(row.operation, row.operation),
            entity=entity_title(row.entity),
            entity_id=row.entity_id,
            object=object_title(row.entity, row.entity_id, names),
            changes=changes_text(
                row.operation, row.changes, timezone, table=row.entity, names=names
            ),
            reason=row.reason,
            incident_id=row.incident_id,
            voided_by_incident_id=row.voided_by_incident_id,
        )
        for row, name in found
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


@dataclass(frozen=True)
class LoginRow:
    """One login attempt (or logout) as school IT reads it."""

    at: datetime
    who: str
    event: str
    detail: str
    address: str


def _login_conditions(filters: ChangeFilter, timezone: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [ActivityLog.event.in_(sorted(LOGIN_EVENT_TITLES))]
    if filters.author_id is not None:
        conditions.append(ActivityLog.user_id == filters.author_id)
    if filters.date_from is not None:
        conditions.append(ActivityLog.at >= _day_start(filters.date_from, timezone))
    if filters.date_to is not None:
        conditions.append(
            ActivityLog.at < _day_start(filters.date_to + timedelta(days=1), timezone)
        )
    return conditions


def login_log(
    session: Session,
    actor: Actor,
    *,
    filters: ChangeFilter,
    timezone: str,
    limit: int = 100,
    offset: int = 0,
) -> list[LoginRow]:
    """One page of logins, failures and logouts, newest first (they are not data changes)."""
    require(actor, Action.VIEW_AUDIT_LOG)
    query = (
        select(ActivityLog, UserAccount.display_name)
        .outerjoin(UserAccount, UserAccount.id == ActivityLog.user_id)
        .where(*_login_conditions(filters, timezone))
        .order_by(ActivityLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        LoginRow(
            at=row.at,
            who=who_title(row.login, name),
            event=LOGIN_EVENT_TITLES[row.event],
            detail=row.detail or "",
            address=row.client_address or "",
        )
        for row, name in session.execute(query)
    ]


def count_logins(session: Session, actor: Actor, *, filters: ChangeFilter, timezone: str) -> int:
    """How many login rows match, for paging."""
    require(actor, Action.VIEW_AUDIT_LOG)
    query = select(func.count()).select_from(ActivityLog).where(
        *_login_conditions(filters, timezone)
    )
    return session.scalar(query) or 0
