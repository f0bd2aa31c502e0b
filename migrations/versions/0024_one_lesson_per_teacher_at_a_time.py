"""one lesson per teacher at a time in the timetable

add_slot and the timetable import refuse a teacher who already gives a lesson at that weekday
and number, but nothing in the database did, and the demo's timetable broke the rule. A unique
index on (school year, teacher, weekday, lesson number) now keeps it.

Existing clashes are resolved deterministically: of the slots of one teacher at one time, the
earliest (lowest id) stays and the later ones are removed, as `delete_slot` would remove them.
Nothing of the journal is lost: lessons generated from a removed slot stay with their grades,
absences and changes, only their link to the slot is cleared (so they are not generated again).
Each removed slot gets a change-log row (who, what, when) so the deputy head can put it back at a
free time; the migration also logs a warning listing them. Refusing to migrate instead would stop
the app from starting (it migrates on start), and the deputy head could not fix the timetable.

Revision ID: 0024
Revises: 0023
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klassruk.clock import utcnow
from klassruk.models.base import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("school_year_id", "staff_id", "weekday", "lesson_number")
COLUMNS = ("id", "school_year_id", "group_id", "subject_id", "staff_id", "weekday",
           "lesson_number", "room")
ACTOR = "migration 0024"

audit_log = sa.table(
    "audit_log",
    sa.column("at", UTCDateTime()),
    sa.column("actor_login", sa.String()),
    sa.column("operation", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("changes", sa.JSON()),
    sa.column("reason", sa.String()),
)


def _later_clashing_slots(connection: sa.Connection) -> list[tuple[dict[str, object], int]]:
    """Each slot with an earlier one of the same teacher at the same time, and that earliest id."""
    same = " AND ".join(f"earlier.{column} = timetable_slot.{column}" for column in KEY)
    rows = connection.execute(
        sa.text(
            f"SELECT {', '.join(COLUMNS)}, (SELECT MIN(earlier.id) FROM timetable_slot earlier"
            f" WHERE {same}) AS kept_id FROM timetable_slot WHERE EXISTS ("
            f" SELECT 1 FROM timetable_slot earlier WHERE {same} AND earlier.id < timetable_slot.id"
            ") ORDER BY id"
        )
    ).mappings()
    return [({column: row[column] for column in COLUMNS}, row["kept_id"]) for row in rows]


def upgrade() -> None:
    connection = op.get_bind()
    clashes = _later_clashing_slots(connection)
    if clashes:
        removed = [slot["id"] for slot, _ in clashes]
        connection.execute(
            sa.text("UPDATE lesson SET slot_id = NULL WHERE slot_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": removed},
        )
        connection.execute(
            sa.text("DELETE FROM timetable_slot WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": removed},
        )
        now = utcnow()
        op.bulk_insert(
            audit_log,
            [
                {
                    "at": now,
                    "actor_login": ACTOR,
                    "operation": "delete",
                    "entity": "timetable_slot",
                    "entity_id": str(slot["id"]),
                    "changes": {k: v for k, v in slot.items() if k != "id"},
                    "reason": f"Учитель в это время уже ведёт урок по слоту № {kept}: урок снят "
                    "с расписания при обновлении, поставьте его в свободное время.",
                }
                for slot, kept in clashes
            ],
        )
        logging.getLogger("alembic.runtime.migration").warning(
            "Removed %d timetable slot(s) that booked a teacher twice at one time: %s "
            "(the change log lists them).",
            len(removed),
            ", ".join(f"{slot['id']} (kept {kept})" for slot, kept in clashes),
        )
    op.create_index("uq_timetable_slot_teacher_time", "timetable_slot", list(KEY), unique=True)


def downgrade() -> None:
    op.drop_index("uq_timetable_slot_teacher_time", table_name="timetable_slot")
