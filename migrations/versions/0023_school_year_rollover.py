"""The new school year: a closed year (when, by whom), when its leavers' accounts block.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klassruk.models.base import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("school_year") as batch:
        batch.add_column(sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("leavers_block_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("leavers_blocked_at", UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("school_year") as batch:
        batch.drop_column("leavers_blocked_at")
        batch.drop_column("leavers_block_on")
        batch.drop_column("closed_by")
        batch.drop_column("closed_at")
