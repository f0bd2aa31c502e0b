"""Data versions: a counter raised by every committed change of the data a cache covers.

A cached view keyed by (what it shows, the version read before it) can never show data older
than the version it was read with: the counter is raised in the same transaction as the change,
so a reader sees the new version exactly when it can see the new data, in every process.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from klassruk.models import Base
from klassruk.models.versions import DataVersion

JOURNAL = "journal"
# The journal's views read the journal tables and the school's structure (classes, enrolments,
# groups, subjects, periods): a change of any of them must reach the cached views.
_JOURNAL_MODULES = ("klassruk.models.journal", "klassruk.models.school")
_CHANGED = "journal_changed"


def _journal_tables() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
        if mapper.class_.__module__ in _JOURNAL_MODULES
    )


def read_version(session: Session, name: str = JOURNAL) -> int:
    """The current version of `name`; read it before the data it keys."""
    return session.scalar(select(DataVersion.version).where(DataVersion.name == name)) or 0


def _raise_statement(dialect: str, name: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(DataVersion).values(name=name, version=1).on_conflict_do_update(
        index_elements=[DataVersion.name], set_={"version": DataVersion.version + 1}
    )


def install_version_hook(factory: sessionmaker[Session]) -> None:
    """Raise the journal's version in every transaction that changes journal data."""
    tables = _journal_tables()

    def covered(instance: object) -> bool:
        table = getattr(type(instance), "__table__", None)
        return table is not None and table.name in tables

    @event.listens_for(factory, "after_flush")
    def _note_flush(session: Session, _context: Any) -> None:
        if any(map(covered, chain(session.new, session.dirty, session.deleted))):
            session.info[_CHANGED] = True

    @event.listens_for(factory, "do_orm_execute")
    def _note_statement(state: ORMExecuteState) -> None:
        # Bulk INSERT/UPDATE/DELETE statements bypass the flush.
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            if table is not None and table.name in tables:
                state.session.info[_CHANGED] = True

    @event.listens_for(factory, "before_commit")
    def _raise_version(session: Session) -> None:
        session.flush()
        if session.info.pop(_CHANGED, False):
            # The last statement before COMMIT: on PostgreSQL its row lock is held only briefly.
            dialect = session.get_bind().dialect.name
            session.execute(_raise_statement(dialect, JOURNAL))

    @event.listens_for(factory, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_CHANGED, None)
