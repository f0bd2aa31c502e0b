"""Row locks for read-modify-write paths: the service locks what it compares before comparing.

On PostgreSQL `SELECT … FOR UPDATE` makes a concurrent writer of the same rows wait until the
first transaction ends; its next statement (READ COMMITTED) then sees the committed change.
SQLite has no row locks: every write transaction there starts with `BEGIN IMMEDIATE`
(klassruk/db.py), which serialises writers of the whole file, so the statements below are
plain reads on SQLite.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

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
            .with_for_update()
            # A row already in the session must be refreshed with what the lock waited for.
            .execution_options(populate_existing=True)
        )
    )


def lock_name(session: Session, name: str) -> None:
    """Serialise transactions that create rows no existing row can stand for (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode("utf-8"))
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
