"""at most one open activation code per account

Two whole-class issues at once could leave an account with two unused, unrevoked codes, one of
them on a slip that no longer matched. Older open codes are revoked as of the newest one's
issue time (what issuing does anyway), then a partial unique index keeps it so.

Revision ID: 0005
Revises: 0010
Create Date: 2026-11-29 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CODE = "used_at IS NULL AND revoked_at IS NULL"


def upgrade() -> None:
    newest_open = """
        FROM activation_code newest
        WHERE newest.user_id = activation_code.user_id
          AND newest.used_at IS NULL AND newest.revoked_at IS NULL
    """
    op.execute(
        f"""
        UPDATE activation_code
        SET revoked_at = (SELECT MAX(newest.issued_at) {newest_open})
        WHERE {OPEN_CODE} AND id < (SELECT MAX(newest.id) {newest_open})
        """
    )
    op.create_index(
        "uq_activation_code_open",
        "activation_code",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CODE),
        postgresql_where=sa.text(OPEN_CODE),
    )


def downgrade() -> None:
    op.drop_index("uq_activation_code_open", table_name="activation_code")
