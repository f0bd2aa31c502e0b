"""The school year's end: closing it, promoting classes, opening the next year."""

from klassruk.services.school_year.closing import YearGrades, block_due_leavers
from klassruk.services.school_year.rollover import (
    ClassMove,
    GroupLayout,
    RolloverPlan,
    apply_rollover,
    basic_level_pupils,
    plan_rollover,
)

__all__ = [
    "ClassMove",
    "GroupLayout",
    "RolloverPlan",
    "YearGrades",
    "apply_rollover",
    "basic_level_pupils",
    "block_due_leavers",
    "plan_rollover",
]
