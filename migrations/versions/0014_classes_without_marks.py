"""Classes taught without marks (безотметочное обучение): a flag the journal enforces.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of school_class would drop a table that others reference.
    op.add_column(
        "school_class",
        sa.Column("without_marks", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("school_class") as batch:
        batch.drop_column("without_marks")
