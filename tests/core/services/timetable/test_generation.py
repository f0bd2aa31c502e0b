"""Lessons from the timetable, on the calendar's school days, by the deputy head only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.journal import (
    Lesson,
)
from klassruk.models.school import ReportingPeriod
from klassruk.services import calendar, journal
from klassruk.services.timetable.changes import cancel_lesson
from klassruk.services.timetable.generation import generate_lessons
from tests.factories import actor_of
from tests.frozen import TODAY


def _lesson_dates(session):
    return [d for d in session.scalars(select(Lesson.lesson_date).order_by(Lesson.lesson_date))]


def test_generation_skips_holidays_and_days_outside_periods_and_is_idempotent(session, school):
    deputy = actor_of(session, "zavuch")
    dates = _lesson_dates(session)
    assert date(2026, 9, 16) not in dates  # a day off
    assert date(2026, 9, 2) in dates and date(2026, 9, 30) in dates
    before = len(dates)
    assert (
        generate_lessons(session, deputy, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30))
        == 0
    )
    added = generate_lessons(
        session, deputy, starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 10)
    )
    dates = _lesson_dates(session)
    assert len(dates) == before + added
    # Autumn holidays 25.10–04.11 and the gap after «1 четверть» (no period) give no lessons.
    assert not [d for d in dates if date(2026, 10, 25) <= d <= date(2026, 11, 10)]
    assert all(d.isoweekday() in (1, 3) for d in dates)
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "lesson", AuditLog.entity_id == "bulk")
        )
        == 2
    )  # the fixture's generation and this one; the empty run writes nothing


def test_only_the_deputy_head_manages_the_calendar(session, school):
    for login in ("teacher_a", "ct_a"):
        actor = actor_of(session, login)
        with pytest.raises(PermissionDenied):
            calendar.set_period_closed(session, actor, period_id=school.open_period, closed=True)
        with pytest.raises(PermissionDenied):
            generate_lessons(session, actor, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 2))
        with pytest.raises(PermissionDenied):
            cancel_lesson(session, actor, lesson_id=school.lessons[0], reason="x")
    deputy = actor_of(session, "zavuch")
    calendar.set_period_closed(session, deputy, period_id=school.open_period, closed=True)
    assert session.get(ReportingPeriod, school.open_period).is_closed
    teacher = actor_of(session, "teacher_a")
    with pytest.raises(DomainError, match="закрыт"):
        journal.add_grade(
            session,
            teacher,
            lesson_id=school.lessons[0],
            student_id=school.two.student_a,
            value=5,
        )


def test_periods_and_holidays_are_validated(session, school):
    deputy = actor_of(session, "zavuch")
    with pytest.raises(DomainError, match="пересекается"):
        calendar.add_period(
            session, deputy, name="Осень", starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 1)
        )
    with pytest.raises(DomainError, match="позже"):
        calendar.add_holiday(
            session,
            deputy,
            name="Каникулы",
            starts_on=date(2026, 12, 30),
            ends_on=date(2026, 12, 29),
        )
    calendar.add_holiday(
        session,
        deputy,
        name="Зимние каникулы",
        starts_on=date(2026, 12, 29),
        ends_on=date(2027, 1, 11),
    )
    assert calendar.holiday_on(session, date(2027, 1, 5)) == "Зимние каникулы"


def test_last_years_slots_do_not_block_the_same_hour_this_year(session, school):
    """After the rollover the old year's timetable is history: its hours are free again."""
    from klassruk.models.journal import TimetableSlot
    from klassruk.models.school import SchoolYear
    from klassruk.services.timetable.slots import add_slot

    year = session.scalars(select(SchoolYear)).one()
    old = SchoolYear(
        name="2025/2026", starts_on=date(2025, 9, 1), ends_on=date(2026, 5, 31), is_current=False
    )
    session.add(old)
    session.flush()
    # teacher_a's Monday 2nd lesson now belongs to last year's timetable (its group's).
    for slot in session.scalars(select(TimetableSlot)):
        slot.school_year_id = old.id
    session.flush()
    added = add_slot(  # the same teacher, the same hour, another group of this year
        session,
        actor_of(session, "zavuch"),
        group_id=school.two.group_b,
        subject_id=school.math,
        staff_id=school.teacher_a_staff,
        weekday=1,
        lesson_number=2,
    )
    assert added.school_year_id == year.id


def test_a_period_is_closed_only_once_it_has_ended(session, school):
    deputy = actor_of(session, "zavuch")
    period = session.get_one(ReportingPeriod, school.open_period)
    period.ends_on = TODAY + timedelta(days=1)  # its last day is tomorrow: still to be filled
    with pytest.raises(DomainError, match=r"ещё не закончился \(он длится по 01\.12\.2026\)"):
        calendar.set_period_closed(session, deputy, period_id=period.id, closed=True)
    assert not period.is_closed
    period.ends_on = TODAY  # its last day is today: the deputy head may close it
    calendar.set_period_closed(session, deputy, period_id=period.id, closed=True)
    assert period.is_closed
