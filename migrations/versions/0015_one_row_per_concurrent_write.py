"""one row per concurrent write: acknowledgements, open incidents, consent corrections

Two sessions at once could write what may exist only once. The database now refuses the
second copy; existing copies are cleaned first, deterministically (the earliest row by id wins):

- acknowledgement: of rows with the same guardian, child, week (or kind and item), content
  digest and channel, the earliest is kept and the later copies are deleted (nothing refers to
  an acknowledgement row; the copies say nothing the kept row does not);
- security_incident: of several open incidents of one account, the earliest stays open and the
  later ones are closed as repeats of it (closed at their own recording time, with a note);
- consent_entry: of several corrections of one entry, the earliest keeps its target and each
  later one is re-pointed to the correction recorded just before it (what correcting «the latest
  entry» would have recorded one after the other); if that one is already corrected by another
  entry, the later copy becomes a plain entry (its pointer is cleared, its reason kept).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACK_WEEK = "kind = 'week'"
ACK_ITEM = "kind <> 'week'"
INCIDENT_OPEN = "status = 'open'"
WEEK_KEY = ("guardian_id", "student_id", "week_start", "digest", "channel")
ITEM_KEY = ("guardian_id", "student_id", "kind", "item_id", "digest", "channel")


def _delete_later_acknowledgements(where: str, key: tuple[str, ...]) -> None:
    same = " AND ".join(f"earlier.{column} = acknowledgement.{column}" for column in key)
    op.execute(
        f"""
        DELETE FROM acknowledgement
        WHERE {where} AND EXISTS (
            SELECT 1 FROM acknowledgement earlier
            WHERE earlier.{where} AND {same} AND earlier.id < acknowledgement.id
        )
        """
    )


def _close_repeated_incidents(connection: sa.Connection) -> None:
    first_open: dict[int, int] = {}
    rows = connection.execute(
        sa.text(f"SELECT id, user_id FROM security_incident WHERE {INCIDENT_OPEN} ORDER BY id")
    )
    for incident_id, user_id in rows.all():
        if user_id not in first_open:
            first_open[user_id] = incident_id
            continue
        connection.execute(
            sa.text(
                "UPDATE security_incident SET status = 'closed', closed_at = recorded_at, "
                "closed_by_login = 'migration 0015', close_note = :note WHERE id = :id"
            ),
            {
                "id": incident_id,
                "note": f"Закрыт при обновлении: повтор инцидента № {first_open[user_id]} "
                "по той же учётной записи.",
            },
        )


def _chain_repeated_corrections(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, corrects_id FROM consent_entry WHERE corrects_id IN ("
            " SELECT corrects_id FROM consent_entry WHERE corrects_id IS NOT NULL"
            " GROUP BY corrects_id HAVING COUNT(*) > 1) ORDER BY corrects_id, id"
        )
    ).all()
    corrected = set(
        connection.execute(
            sa.text("SELECT DISTINCT corrects_id FROM consent_entry WHERE corrects_id IS NOT NULL")
        ).scalars()
    )
    previous: dict[int, int] = {}  # target → the correction of it recorded last so far
    for entry_id, target in rows:
        before = previous.get(target)
        previous[target] = entry_id
        if before is None:
            continue  # the earliest correction keeps its target
        new_target = None if before in corrected else before
        if new_target is not None:
            corrected.add(new_target)
        connection.execute(
            sa.text("UPDATE consent_entry SET corrects_id = :target WHERE id = :id"),
            {"target": new_target, "id": entry_id},
        )


def upgrade() -> None:
    connection = op.get_bind()
    _delete_later_acknowledgements(ACK_WEEK, WEEK_KEY)
    _delete_later_acknowledgements(ACK_ITEM, ITEM_KEY)
    _close_repeated_incidents(connection)
    _chain_repeated_corrections(connection)
    op.create_index(
        "uq_acknowledgement_week",
        "acknowledgement",
        list(WEEK_KEY),
        unique=True,
        sqlite_where=sa.text(ACK_WEEK),
        postgresql_where=sa.text(ACK_WEEK),
    )
    op.create_index(
        "uq_acknowledgement_item",
        "acknowledgement",
        list(ITEM_KEY),
        unique=True,
        sqlite_where=sa.text(ACK_ITEM),
        postgresql_where=sa.text(ACK_ITEM),
    )
    op.create_index(
        "uq_security_incident_open",
        "security_incident",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text(INCIDENT_OPEN),
        postgresql_where=sa.text(INCIDENT_OPEN),
    )
    op.create_index("uq_consent_entry_corrects", "consent_entry", ["corrects_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_consent_entry_corrects", table_name="consent_entry")
    op.drop_index("uq_security_incident_open", table_name="security_incident")
    op.drop_index("uq_acknowledgement_item", table_name="acknowledgement")
    op.drop_index("uq_acknowledgement_week", table_name="acknowledgement")
