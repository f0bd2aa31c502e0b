"""One audit row per written entity, for every write through a Klassruk session."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.text.policy import clean_text

# Values of these columns never reach the audit log; only the fact that they changed.
SECRET_COLUMN_MARKERS = ("hash", "secret", "token", "code_value")
REDACTED = "***"


_REASON = "audit_reason"
_INCIDENT = "audit_incident_id"
_UNAUDITED = "audit_unaudited_columns"


class MissingActor(RuntimeError):
    """A write was attempted without saying who is making it."""


def is_secret_column(column_name: str) -> bool:
    """Whether a column's values are kept out of the audit log (only the change is noted)."""
    return any(marker in column_name for marker in SECRET_COLUMN_MARKERS)


def json_value(value: Any) -> Any:
    """A column value as the audit log stores it in JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    # JSON columns keep their structure, so a voided write can be compared and restored.
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    return str(value)


def leave_unaudited(session: Session, columns: frozenset[str]) -> None:
    """Changes of these columns in this session are bookkeeping, not data changes (logins)."""
    session.info[_UNAUDITED] = columns


def _shown(column_name: str, value: Any) -> Any:
    return REDACTED if is_secret_column(column_name) and value is not None else json_value(value)


def _is_audited(obj: object) -> bool:
    return getattr(type(obj), "__audited__", True)


def _column_changes(obj: object, operation: str) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if operation == "insert":
            changes[key] = {"new": _shown(key, getattr(obj, key))}
        elif operation == "delete":
            changes[key] = {"old": _shown(key, state.attrs[key].loaded_value)}
        else:
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            changes[key] = {"old": _shown(key, old), "new": _shown(key, new)}
    return changes


def _entity_id(obj: object) -> str:
    # The identity key is not assigned yet for rows inserted by this flush; the columns are.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(json_value(part)) for part in key)


def _audit_rows(session: Session, actor: Actor) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    unaudited = session.info.get(_UNAUDITED, frozenset())
    batches = (("insert", session.new), ("update", session.dirty), ("delete", session.deleted))
    for operation, objects in batches:
        for obj in objects:
            if not _is_audited(obj):
                continue
            if operation == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _column_changes(obj, operation)
            if operation == "update":
                changes = {k: v for k, v in changes.items() if k not in unaudited}
            if operation == "update" and not changes:
                continue
            rows.append(
                {
                    "actor_user_id": actor.user_id,
                    "actor_login": actor.login,
                    "session_id": actor.session_id,
                    "operation": operation,
                    "entity": inspect(obj).mapper.local_table.name,
                    "entity_id": _entity_id(obj),
                    "changes": changes,
                    "reason": session.info.get(_REASON),
                    "incident_id": session.info.get(_INCIDENT),
                }
            )
    return rows


@contextmanager
def audit_context(
    session: Session, *, reason: str | None = None, incident_id: int | None = None
) -> Iterator[None]:
    """Writes flushed inside carry this reason and incident id in their audit rows."""
    saved = (session.info.get(_REASON), session.info.get(_INCIDENT))
    # The reason goes into the audit row by a Core insert, past the ORM's text hook.
    cleaned = clean_text(reason) if reason else reason
    session.info[_REASON], session.info[_INCIDENT] = cleaned, incident_id
    try:
        yield
        session.flush()
    finally:
        session.info[_REASON], session.info[_INCIDENT] = saved


def install_audit_hook(factory: sessionmaker[Session]) -> None:
    """Refuse writes without an actor and log every insert, update and delete."""
    from klassruk.clock import utcnow
    from klassruk.models import AuditLog

    @event.listens_for(factory, "before_flush")
    def _require_actor(session: Session, _context: Any, _instances: Any) -> None:
        if not (session.new or session.dirty or session.deleted):
            return
        if not isinstance(session.info.get("actor"), Actor):
            raise MissingActor("Запись без известного пользователя запрещена.")

    @event.listens_for(factory, "after_flush")
    def _write_audit(session: Session, _context: Any) -> None:
        actor = session.info.get("actor")
        if not isinstance(actor, Actor):
            return
        # Only a system actor may switch auditing off, for bulk seeding of demo data.
        if actor.is_system and session.info.get("audit") is False:
            return
        rows = _audit_rows(session, actor)
        if rows:
            now = utcnow()
            for row in rows:
                row["at"] = now
            session.connection().execute(insert(AuditLog), rows)
