"""activation codes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:51:16.539305
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klassruk.models.base

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activation_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_user_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_login', sa.String(length=80), nullable=False),
    sa.Column('used_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_session_id', sa.String(length=64), nullable=True),
    sa.Column('revoked_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_user_id'], ['user_account.id'], name=op.f('fk_activation_code_issued_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_activation_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_code'))
    )
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_code_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activation_code_user_id'))

    op.drop_table('activation_code')
