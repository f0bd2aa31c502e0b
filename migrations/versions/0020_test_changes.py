"""Planned tests can be moved and cancelled, and families see that they were.

Revision ID: 0020
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klassruk.models.base import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("planned_test") as batch:
        batch.add_column(sa.Column("moved_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("changed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("changed_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("cancelled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("cancel_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("planned_test") as batch:
        for column in ("cancel_reason", "cancelled_at", "changed_by", "changed_at", "moved_from"):
            batch.drop_column(column)
