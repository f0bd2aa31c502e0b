"""The one mechanism for concurrent writes: row locks, unique constraints, and a registry.

A service that reads a state and writes from it lets the database decide: it locks what it
compares before comparing, or inserts under a unique constraint (`insert_unique`,
`refuse_duplicate`), and is registered with `read_modify_write` so that the two-sessions-at-once
test covers it.

On PostgreSQL `SELECT … FOR UPDATE` makes a concurrent writer of the same rows wait until the
first transaction ends; its next statement (READ COMMITTED) then sees the committed change.
SQLite has no row locks: every write transaction there starts with `BEGIN IMMEDIATE`
(klassruk/infra/db.py), which serialises writers of the whole file, so the statements below are
plain reads on SQLite.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from klassruk.errors import DomainError, NotFound

Row = TypeVar("Row")


def lock_rows(session: Session, model: type[Row], ids: Collection[int]) -> list[Row]:
    """Lock rows of `model` by id (in id order, so two writers never deadlock) and return them."""
    if not ids:
        return []
    table: Any = model
    return list(
        session.scalars(
            select(model)
            .where(table.id.in_(sorted(set(ids))))
            .order_by(table.id)
            # NO KEY UPDATE: writers of the row wait, but inserts that merely refer to it (an
            # audit row naming the locked account as its actor) do not, so no deadlock.
            .with_for_update(key_share=True)
            # A row already in the session must be refreshed with what the lock waited for.
            .execution_options(populate_existing=True)
        )
    )


def lock_or_404(session: Session, model: type[Row], ident: int, message: str) -> Row:
    """The row of `model` with this id, locked as `lock_rows` locks it, or NotFound(message)."""
    locked = lock_rows(session, model, [ident])
    if not locked:
        raise NotFound(message)
    return locked[0]


def lock_name(session: Session, name: str) -> None:
    """Serialise transactions that create rows no existing row can stand for (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode("utf-8"))
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


# ---------------------------------------------------------------- unique constraints

UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE for unique_violation


def is_unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a row because a unique constraint already holds its twin."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == UNIQUE_VIOLATION)
    return "UNIQUE constraint failed" in str(error.orig)


def insert_unique(
    session: Session, row: Row, *, existing: Callable[[], Row | None]
) -> tuple[Row, bool]:
    """Insert `row` unless `existing()` finds its twin; (the row kept, whether it is new).

    The check is for speed; the unique constraint decides. A twin another session committed
    meanwhile makes the insert fail inside a savepoint, so the caller's transaction goes on and
    gets that twin, as if the two calls had run one after the other.
    """
    found = existing()
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        found = existing() if is_unique_violation(error) else None
        if found is None:
            raise
        return found, False
    return row, True


@contextmanager
def refuse_duplicate(session: Session, message: str) -> Iterator[None]:
    """Writes inside run in a savepoint: a unique violation becomes DomainError(message).

    The savepoint keeps the caller's transaction usable (no PendingRollbackError).
    """
    try:
        with session.begin_nested():
            yield
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise DomainError(message) from error


# ---------------------------------------------------------------- the registry

# Every service that reads a state and writes from it, with what the database enforces.
# tests/core/services/test_concurrent_writes.py runs each in two sessions at once.
READ_MODIFY_WRITE: dict[str, str] = {}

Service = TypeVar("Service", bound=Callable[..., Any])


def read_modify_write(guard: str) -> Callable[[Service], Service]:
    """Register a read-modify-write service; `guard` says what keeps two sessions apart."""

    def register(service: Service) -> Service:
        READ_MODIFY_WRITE[f"{service.__module__}.{service.__qualname__}"] = guard
        return service

    return register
