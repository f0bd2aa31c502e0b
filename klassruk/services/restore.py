"""Undoing audited operations: one generic mechanism over the audit log's before/after values.

An operation is undone only while the row still looks exactly as the operation left it; if
anyone changed it since, the item is a conflict for a person to decide, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Enum
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.types import TypeDecorator

from klassruk.audit.log import is_secret_column, json_value
from klassruk.models import AuditLog, Base
from klassruk.models.incidents import ItemOutcome
from klassruk.models.journal import Lesson
from klassruk.services.locking import lock_rows


@dataclass(frozen=True)
class Undo:
    """What undoing one operation did; `current` is the row as found when it was a conflict."""

    outcome: ItemOutcome
    detail: str | None = None
    current: dict[str, Any] | None = None


# Tables whose rows the journal writes only while holding their lesson's row lock.
LOCKED_THROUGH_LESSON = frozenset({"grade", "absence"})

SECRET_NOT_RESTORED = (
    "пароль или код активации не восстанавливаются: выдайте новые реквизиты доступа"
)


def _mapper(entity: str) -> Mapper[Any] | None:
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == entity:
            return mapper
    return None


def _columns(mapper: Mapper[Any]) -> dict[str, ColumnElement[Any]]:
    return {attr.key: attr.columns[0] for attr in mapper.column_attrs}


def to_python(column: ColumnElement[Any], raw: Any) -> Any:
    """A value as the audit log stored it (JSON), back in the column's Python type."""
    if raw is None:
        return None
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Enum) and column_type.enum_class is not None:
        return column_type.enum_class(raw)
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return raw
    if kind is datetime:
        return datetime.fromisoformat(raw)
    if kind is date:
        return date.fromisoformat(raw)
    if kind is Decimal:
        return Decimal(raw)
    return raw


def _identity(mapper: Mapper[Any], entity_id: str) -> tuple[Any, ...]:
    parts = entity_id.split(",")
    return tuple(to_python(column, part) for column, part in zip(
        mapper.primary_key, parts, strict=True
    ))


def _snapshot(obj: object, keys: list[str]) -> dict[str, Any]:
    return {key: json_value(getattr(obj, key)) for key in keys if not is_secret_column(key)}


def _same(current: Any, expected: Any) -> bool:
    if isinstance(current, (dict, list, tuple)):
        # JSON values: tuples in memory are lists once stored; compare as the log keeps them.
        return bool(json_value(current) == json_value(expected))
    return bool(current == expected)


def _differs(obj: object, columns: dict[str, ColumnElement[Any]], expected: dict[str, Any]) -> bool:
    return not all(
        _same(getattr(obj, key), to_python(columns[key], value))
        for key, value in expected.items()
        if not is_secret_column(key) and key in columns
    )


def _side(row: AuditLog, side: str) -> dict[str, Any]:
    return {key: change.get(side) for key, change in row.changes.items()}


def _secret_values(values: dict[str, Any]) -> bool:
    return any(is_secret_column(key) and value is not None for key, value in values.items())


def _locked(session: Session, row: AuditLog, mapper: Mapper[Any]) -> Any:
    """The row as it is once locked, after the lock its own writers take first (compare-and-set).

    The journal changes grades and absences under their lesson's lock: voiding takes the same
    lock, so a teacher's edit and a void of one cell run one after the other, never interleaved.
    """
    identity = _identity(mapper, row.entity_id)
    if row.entity in LOCKED_THROUGH_LESSON:
        obj = session.get(mapper.class_, identity)
        lesson_id = getattr(obj, "lesson_id", None) or _side(row, "old").get("lesson_id")
        if lesson_id is not None:
            lock_rows(session, Lesson, [lesson_id])
    return session.get(mapper.class_, identity, with_for_update=True, populate_existing=True)


def _apply(
    session: Session, row: AuditLog, mapper: Mapper[Any], *, force: bool
) -> Undo:
    columns = _columns(mapper)
    obj = _locked(session, row, mapper)
    keys = list(row.changes)
    if row.operation == "insert":
        if obj is None:
            return Undo(ItemOutcome.UNCHANGED, "запись уже удалена")
        if not force and _differs(obj, columns, _side(row, "new")):
            return Undo(ItemOutcome.CONFLICT, "запись позже изменена", _snapshot(obj, keys))
        session.delete(obj)
    elif row.operation == "update":
        if any(is_secret_column(key) for key in keys):
            return Undo(ItemOutcome.NOT_RESTORABLE, SECRET_NOT_RESTORED)
        if obj is None:
            return Undo(ItemOutcome.CONFLICT, "запись позже удалена")
        if not force and _differs(obj, columns, _side(row, "new")):
            return Undo(ItemOutcome.CONFLICT, "запись позже изменена", _snapshot(obj, keys))
        for key, value in _side(row, "old").items():
            setattr(obj, key, to_python(columns[key], value))
    else:
        before = _side(row, "old")
        if _secret_values(before):
            return Undo(ItemOutcome.NOT_RESTORABLE, SECRET_NOT_RESTORED)
        if obj is not None:
            return Undo(
                ItemOutcome.CONFLICT, "запись с тем же номером создана снова", _snapshot(obj, keys)
            )
        session.add(
            mapper.class_(**{key: to_python(columns[key], value) for key, value in before.items()})
        )
    return Undo(ItemOutcome.RESTORED)


def undo_operation(session: Session, row: AuditLog, *, force: bool = False) -> Undo:
    """Restore what the audited operation changed, if the data still is as it left it.

    `force` restores even over later changes: only for a person's explicit decision.
    Each undo runs in a savepoint, so one that would break a reference changes nothing.
    """
    mapper = _mapper(row.entity)
    if mapper is None:
        return Undo(ItemOutcome.NOT_RESTORABLE, "таблица больше не существует")
    if not all(isinstance(change, dict) for change in row.changes.values()):
        return Undo(ItemOutcome.NOT_RESTORABLE, "сводная запись о массовом действии")
    try:
        with session.begin_nested():
            result = _apply(session, row, mapper, force=force)
            session.flush()
    except IntegrityError:
        return Undo(ItemOutcome.CONFLICT, "восстановление нарушило бы связи с другими данными")
    return result
