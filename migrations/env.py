"""Alembic environment: the database URL comes from the same settings as the app."""

from __future__ import annotations

from alembic import context

from klassruk.infra.db import make_engine
from klassruk.infra.settings import load_settings
from klassruk.models import Base

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    # An explicit URL (tests, the app's own upgrade) wins over the settings.
    return config.attributes.get("database_url") or load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
