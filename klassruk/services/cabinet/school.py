"""What the school tells every family of a child: teachers and the calendar of the year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.services import calendar
from klassruk.services.groups.who_teaches import TeacherRow, teachers_of_student
from klassruk.services.scope.students import require_family_scope


def teachers_of_child(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[TeacherRow]:
    """Who teaches the child each subject: class, subgroup, stream or individual plan."""
    require_family_scope(session, actor, student_id, on=on)
    return teachers_of_student(session, actor, student_id=student_id, on=on)


@dataclass(frozen=True)
class YearCalendar:
    """The reporting periods and holidays of the current year."""

    periods: list[calendar.PeriodRef]
    holidays: list[calendar.HolidayRef]


def year_calendar(session: Session, actor: Actor, *, student_id: int, on: date) -> YearCalendar:
    """Periods and holidays of the year, as the child's family sees them."""
    require_family_scope(session, actor, student_id, on=on)
    return YearCalendar(calendar.list_periods(session), calendar.list_holidays(session))
