"""whole-class memberships for every enrolment

The roster import created enrolments without the matching whole-class group membership, so
imported students were missing from every subject journal. Add the membership, over the
enrolment's own dates, wherever a student has none in their class's whole-class group.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-29 15:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO group_membership (group_id, student_id, starts_on, ends_on)
        SELECT g.id, e.student_id, e.starts_on, e.ends_on
        FROM enrolment e
        JOIN study_group g ON g.class_id = e.class_id AND g.kind = 'whole_class'
        WHERE NOT EXISTS (
            SELECT 1 FROM group_membership m
            WHERE m.group_id = g.id AND m.student_id = e.student_id
        )
        """
    )


def downgrade() -> None:
    # Data repair only: the added rows are indistinguishable from correct ones.
    pass
