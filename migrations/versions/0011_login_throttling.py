"""Login throttling: the client address of each activity row, indexed with its time.

Revision ID: 0011
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_log") as batch_op:
        batch_op.add_column(sa.Column("client_address", sa.String(length=45), nullable=True))
        batch_op.create_index("ix_activity_log_address_at", ["client_address", "at"])


def downgrade() -> None:
    with op.batch_alter_table("activity_log") as batch_op:
        batch_op.drop_index("ix_activity_log_address_at")
        batch_op.drop_column("client_address")
