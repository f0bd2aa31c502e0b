"""Sent reports: the deputy head's analytical report of a class, a snapshot, when it was read.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klassruk.models.base import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sent_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_by_user_id", sa.Integer(), nullable=True),
        sa.Column("sent_by", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("read_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["class_id"], ["school_class.id"], name=op.f("fk_sent_report_class_id_school_class")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["reporting_period.id"],
            name=op.f("fk_sent_report_period_id_reporting_period"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_user_id"], ["user_account.id"],
            name=op.f("fk_sent_report_sent_by_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["read_by_user_id"], ["user_account.id"],
            name=op.f("fk_sent_report_read_by_user_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_report")),
    )
    op.create_index("ix_sent_report_class_period", "sent_report", ["class_id", "period_id"])


def downgrade() -> None:
    op.drop_index("ix_sent_report_class_period", table_name="sent_report")
    op.drop_table("sent_report")
