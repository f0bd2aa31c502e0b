"""Schema management through Alembic: upgrade to head, and compare models with migrations."""

from __future__ import annotations

from enum import Enum
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from klassruk.infra.db import make_engine
from klassruk.infra.settings import PROJECT_ROOT
from klassruk.models import Base


def alembic_config(database_url: str) -> Config:
    """An Alembic config for the project's migrations, bound to `database_url`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    """Bring the database schema up to the newest migration."""
    command.upgrade(alembic_config(database_url), "head")


class SchemaState(Enum):
    """Where the database's schema stands against this version of the code."""

    CURRENT = "current"
    EMPTY = "empty"
    BEHIND = "behind"
    AHEAD = "ahead"


def schema_state(database_url: str) -> SchemaState:
    """Compare the database's migration revision with the code's newest one."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    if current == set(script.get_heads()):
        return SchemaState.CURRENT
    if not current:
        return SchemaState.EMPTY
    known = {revision.revision for revision in script.walk_revisions()}
    return SchemaState.AHEAD if current - known else SchemaState.BEHIND


def is_up_to_date(database_url: str) -> bool:
    """Whether the database is at the newest migration."""
    return schema_state(database_url) is SchemaState.CURRENT


SCHEMA_PROBLEMS = {
    SchemaState.EMPTY: (
        "База данных ещё не создана. Администратору: выполните "
        "`python -m klassruk migrate` и перезапустите Классрук."
    ),
    SchemaState.BEHIND: (
        "База данных не обновлена до этой версии Классрука. Администратору: сделайте резервную "
        "копию (`python -m klassruk backup`), выполните `python -m klassruk migrate` и "
        "перезапустите Классрук."
    ),
    SchemaState.AHEAD: (
        "База данных обновлена более новой версией Классрука, чем запущенная. Администратору: "
        "обновите программу на этом сервере до той же версии."
    ),
}


def schema_problem(database_url: str) -> str | None:
    """Why the app must not start on this database, in Russian; None when the schema fits."""
    return SCHEMA_PROBLEMS.get(schema_state(database_url))


def schema_drift(database_url: str) -> list[Any]:
    """Differences between the migrated database and the models (empty when in sync)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()
