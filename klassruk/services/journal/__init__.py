"""The subject teacher's journal: grades with history, absences, topics, tests, period grades.

The package exports the names other modules use; the code lives in its modules.
"""

from klassruk.services.journal.access import (
    AssignmentRef,
    own_assignments,
)
from klassruk.services.journal.cells import (
    BAD_TOKEN,
    GRADE_KIND_HELP,
    Cell,
    default_weight,
    format_cell,
    parse_cell,
    weighted_average,
)
from klassruk.services.journal.common import (
    CONFLICT,
    FUTURE,
    MAX_ERRORS_SHOWN,
    REASON_NEEDED,
)
from klassruk.services.journal.grades import add_grade, change_grade, delete_grade, set_absence
from klassruk.services.journal.grid import (
    JournalGrid,
    LessonColumn,
    StudentRow,
    build_grid,
    read_journal,
)
from klassruk.services.journal.history import HistoryRow, grade_history
from klassruk.services.journal.lessons import (
    LessonUpdate,
    SameDayTest,
    TestRef,
    add_lesson,
    cancel_test,
    change_test,
    plan_test,
    planned_tests,
    save_lessons,
)
from klassruk.services.journal.members import is_in_lesson, roster_intervals
from klassruk.services.journal.period_grades import parse_period_grades, set_period_grades
from klassruk.services.journal.recommendations import (
    RecommendationRow,
    add_recommendation,
    recommendations,
)
from klassruk.services.journal.saving import CellEdit, SaveSummary, save_grid
from klassruk.services.journal.today import DayLesson, TeacherDay, teacher_day

__all__ = [
    "BAD_TOKEN",
    "CONFLICT",
    "FUTURE",
    "GRADE_KIND_HELP",
    "MAX_ERRORS_SHOWN",
    "REASON_NEEDED",
    "AssignmentRef",
    "Cell",
    "CellEdit",
    "DayLesson",
    "HistoryRow",
    "JournalGrid",
    "LessonColumn",
    "LessonUpdate",
    "RecommendationRow",
    "SameDayTest",
    "SaveSummary",
    "StudentRow",
    "TeacherDay",
    "TestRef",
    "add_grade",
    "add_lesson",
    "add_recommendation",
    "build_grid",
    "cancel_test",
    "change_grade",
    "change_test",
    "default_weight",
    "delete_grade",
    "format_cell",
    "grade_history",
    "is_in_lesson",
    "own_assignments",
    "parse_cell",
    "parse_period_grades",
    "plan_test",
    "planned_tests",
    "read_journal",
    "recommendations",
    "roster_intervals",
    "save_grid",
    "save_lessons",
    "set_absence",
    "set_period_grades",
    "teacher_day",
    "weighted_average",
]
