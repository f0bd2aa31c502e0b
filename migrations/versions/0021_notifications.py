"""Notifications: the transactional outbox, preferences, contacts, messages, links, senders.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klassruk.models.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('grade_added', 'grade_changed', 'grade_deleted', 'absence', 'period_grade', 'recommendation', 'test_planned', 'lesson_substitution', 'lesson_move', 'lesson_cancellation', 'homework', 'holiday', 'class_message', name='event_kind', native_enum=False, length=32), nullable=False),
    sa.Column('topic', sa.Enum('grades', 'absences', 'period_grades', 'recommendations', 'tests', 'lesson_changes', 'homework', 'holidays', 'messages', name='notification_topic', native_enum=False, length=32), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expanded_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_expanded_at_id', ['expanded_at', 'id'], unique=False)

    op.create_table('sender_heartbeat',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('seen_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sender_heartbeat'))
    )
    op.create_table('class_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.Enum('class', 'grade', 'school', name='message_audience', native_enum=False, length=32), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.SmallInteger(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('asks_acknowledgement', sa.Boolean(), nullable=False),
    sa.Column('created_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['user_account.id'], name=op.f('fk_class_message_author_user_id_user_account')),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_class_message_class_id_school_class')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_message'))
    )
    op.create_table('notification_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='notification_channel', native_enum=False, length=32), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('verified_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('code_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_contact_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_contact')),
    sa.UniqueConstraint('user_id', 'channel', name=op.f('uq_notification_contact_user_id_channel'))
    )
    op.create_table('notification_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.Column('sms', sa.Boolean(), nullable=False),
    sa.Column('muted_topics', sa.JSON(), nullable=False),
    sa.Column('cadence', sa.Enum('immediate', 'daily', 'weekly', name='notification_cadence', native_enum=False, length=32), nullable=False),
    sa.Column('digest_hour', sa.SmallInteger(), nullable=False),
    sa.Column('quiet_from', sa.SmallInteger(), nullable=False),
    sa.Column('quiet_to', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('digest_hour BETWEEN 0 AND 23', name=op.f('ck_notification_preference_digest_hour_range')),
    sa.CheckConstraint('quiet_from BETWEEN 0 AND 23', name=op.f('ck_notification_preference_quiet_from_range')),
    sa.CheckConstraint('quiet_to BETWEEN 0 AND 23', name=op.f('ck_notification_preference_quiet_to_range')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_preference_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preference'))
    )
    op.create_table('class_message_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('paper', sa.Boolean(), nullable=False),
    sa.Column('printed_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_class_message_recipient_guardian_id_guardian')),
    sa.ForeignKeyConstraint(['message_id'], ['class_message.id'], name=op.f('fk_class_message_recipient_message_id_class_message')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_class_message_recipient_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_message_recipient')),
    sa.UniqueConstraint('message_id', 'guardian_id', 'student_id', name=op.f('uq_class_message_recipient_message_id_guardian_id_student_id'))
    )
    with op.batch_alter_table('class_message_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_message_recipient_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_class_message_recipient_message_id'), ['message_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='notification_channel', native_enum=False, length=32), nullable=False),
    sa.Column('kind', sa.Enum('events', 'digest', 'verification', 'message', name='notification_kind', native_enum=False, length=32), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('class_message_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', 'skipped', name='delivery_status', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('leased_until', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_message_id'], ['class_message.id'], name=op.f('fk_notification_class_message_id_class_message')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_class_message_id'), ['class_message_id'], unique=False)
        batch_op.create_index('ix_notification_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('notification_link',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.Enum('unsubscribe', 'ack_week', 'ack_message', name='link_purpose', native_enum=False, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=True),
    sa.Column('class_message_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.JSON(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('created_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['class_message_id'], ['class_message.id'], name=op.f('fk_notification_link_class_message_id_class_message')),
    sa.ForeignKeyConstraint(['guardian_id'], ['guardian.id'], name=op.f('fk_notification_link_guardian_id_guardian')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_notification_link_student_id_student')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_link_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_link'))
    )
    op.create_table('notification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'sms', name='notification_channel', native_enum=False, length=32), nullable=False),
    sa.Column('cadence', sa.Enum('immediate', 'daily', 'weekly', name='notification_cadence', native_enum=False, length=32), nullable=False),
    sa.Column('due_at', klassruk.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['outbox.id'], name=op.f('fk_notification_item_event_id_outbox')),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], name=op.f('fk_notification_item_notification_id_notification')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_notification_item_student_id_student')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_item_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_item')),
    sa.UniqueConstraint('event_id', 'user_id', 'student_id', 'channel', name=op.f('uq_notification_item_event_id_user_id_student_id_channel'))
    )
    with op.batch_alter_table('notification_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_item_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_notification_item_open', ['notification_id', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification_item', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_item_open')
        batch_op.drop_index(batch_op.f('ix_notification_item_event_id'))

    op.drop_table('notification_item')
    op.drop_table('notification_link')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index('ix_notification_status_next')
        batch_op.drop_index(batch_op.f('ix_notification_class_message_id'))

    op.drop_table('notification')
    with op.batch_alter_table('class_message_recipient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_message_recipient_message_id'))
        batch_op.drop_index(batch_op.f('ix_class_message_recipient_guardian_id'))

    op.drop_table('class_message_recipient')
    op.drop_table('notification_preference')
    op.drop_table('notification_contact')
    op.drop_table('class_message')
    op.drop_table('sender_heartbeat')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_expanded_at_id')

    op.drop_table('outbox')
