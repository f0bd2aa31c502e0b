"""Roster import: students, guardians and their links from XLSX or CSV, previewed, then applied.

`rows` reads and validates the file, `planning` compares it with the database (`matching`
finds its people, `plans` holds the preview), `applying` writes it, `templates` makes the file
a school fills in. `people` is the roster read of a class: its current students, guardians and
their accounts.
"""

from klassruk.services.roster.applying import (
    apply_import,
)
from klassruk.services.roster.planning import plan_import, preview_import
from klassruk.services.roster.plans import (
    CHANGE_TITLES,
    ENTITY_TITLES,
    Change,
    Entity,
    ImportPreview,
    PlannedGuardian,
    PlannedStudent,
    PreviewLine,
)
from klassruk.services.roster.rows import (
    CLASS_COLUMN,
    GUARDIAN_FIELDS,
    GUARDIAN_SLOTS,
    MAX_ROWS,
    MAX_STUDENT_AGE_YEARS,
    NAME_COLUMNS,
    RELATION_WORDS,
    STORED_IN,
    STUDENT_COLUMNS,
    TEMPLATE_COLUMNS,
    GuardianData,
    RawRow,
    RowError,
    StudentData,
    name_key,
    parse_birth_date,
    parse_relation,
    read_roster_file,
    validate_row,
)
from klassruk.services.roster.templates import (
    INSTRUCTIONS,
    template_csv,
    template_xlsx,
)

__all__ = [
    "CHANGE_TITLES",
    "CLASS_COLUMN",
    "ENTITY_TITLES",
    "GUARDIAN_FIELDS",
    "GUARDIAN_SLOTS",
    "INSTRUCTIONS",
    "MAX_ROWS",
    "MAX_STUDENT_AGE_YEARS",
    "NAME_COLUMNS",
    "RELATION_WORDS",
    "STORED_IN",
    "STUDENT_COLUMNS",
    "TEMPLATE_COLUMNS",
    "Change",
    "Entity",
    "GuardianData",
    "ImportPreview",
    "PlannedGuardian",
    "PlannedStudent",
    "PreviewLine",
    "RawRow",
    "RowError",
    "StudentData",
    "apply_import",
    "name_key",
    "parse_birth_date",
    "parse_relation",
    "plan_import",
    "preview_import",
    "read_roster_file",
    "template_csv",
    "template_xlsx",
    "validate_row",
]
