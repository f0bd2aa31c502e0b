"""The demo is built around the day it is seeded: every cabinet feature shows on any day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import GUARDIAN_LOGIN, SMALL, TIMEZONE, DemoSize
from klassruk.errors import DomainError
from klassruk.models import Base
from klassruk.models.accounts import UserAccount
from klassruk.models.base import UTCDateTime
from klassruk.models.consent import ConsentEntry
from klassruk.models.extracts import PaperExtract
from klassruk.models.journal import Absence, Grade, Lesson, LessonChange, LessonChangeKind
from klassruk.models.school import SchoolClass, StudyGroup
from klassruk.services import calendar
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.cabinet import lessons, record
from klassruk.services.cabinet.common import list_children
from klassruk.services.journal import add_grade
from tests.factories import actor_of

# 10:00 in Moscow on each day.
DAYS = {
    "school Monday": date(2026, 11, 30),
    "Saturday": date(2026, 12, 5),
    "Sunday": date(2026, 12, 6),
    "public holiday (23 February, a Tuesday)": date(2027, 2, 23),
    "winter vacation": date(2027, 1, 4),
    "public holiday in the autumn vacation (4 November)": date(2026, 11, 4),
    "last of the New Year holidays": date(2027, 1, 8),
}


def _seed_on(session: Session, frozen_clock, day: date) -> None:
    frozen_clock.move_to(datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC))
    seed_demo_school(session, size=SMALL)
    session.flush()


@pytest.mark.parametrize("day", DAYS.values(), ids=DAYS.keys())
def test_the_demo_parent_sees_every_feature_of_the_coming_school_day(
    session: Session, frozen_clock, day: date
) -> None:
    _seed_on(session, frozen_clock, day)
    parent = actor_of(session, GUARDIAN_LOGIN)
    child = list_children(session, parent, on=day)[0].student_id
    ask = {"student_id": child, "on": day}

    school_day = lessons.next_school_day(session, parent, **ask)
    assert school_day is not None and school_day >= day and school_day.weekday() < 5
    assert calendar.holiday_on(session, school_day) is None
    if day.weekday() < 5 and calendar.holiday_on(session, day) is None:
        assert school_day == day

    changes = lessons.changes_on(session, parent, student_id=child, on=school_day)
    assert LessonChangeKind.SUBSTITUTION in {c.kind for item in changes for c in item.changes}
    week = lessons.timetable_week(
        session, parent, student_id=child, week_start=calendar.week_start(school_day), on=day
    )
    kinds = {c.kind for item in week if item.lesson_date >= school_day for c in item.changes}
    assert {LessonChangeKind.MOVE, LessonChangeKind.CANCELLATION} <= kinds
    announced = [c.announced_at for item in week for c in item.changes]
    assert max(announced) <= utcnow()

    since = record.new_grades_since(session, parent, student_id=child, on=day)
    fresh = record.new_grades(
        session, parent, student_id=child, since=since, on=day, timezone=TIMEZONE
    )
    assert fresh and all(g.lesson_date <= day for g in fresh)

    period = calendar.period_on(session, school_day)
    assert period is not None
    tests = lessons.tests_of_period(session, parent, student_id=child, period_id=period.id, on=day)
    assert any(school_day <= t.planned_on <= school_day + timedelta(days=6) for t in tests)

    assert lessons.homework(session, parent, **ask)
    assert record.recommendations_of(session, parent, **ask)

    this_week = calendar.week_start(day)
    states = [
        week_status(session, parent, student_id=child, week_start=w, on=day)
        for w in (this_week, this_week - timedelta(days=7))
    ]
    assert any(s.content.shown and s.state.acknowledged_at is None for s in states)


def test_a_demo_seeded_in_the_summer_lives_in_the_year_that_starts_next(
    session: Session, frozen_clock
) -> None:
    _seed_on(session, frozen_clock, date(2027, 7, 4))  # a Sunday in the summer holidays
    parent = actor_of(session, GUARDIAN_LOGIN)
    child = list_children(session, parent, on=date(2027, 7, 4))[0].student_id
    school_day = lessons.next_school_day(session, parent, student_id=child, on=date(2027, 7, 4))
    assert school_day == date(2027, 9, 1)
    changes = lessons.changes_on(session, parent, student_id=child, on=school_day)
    assert LessonChangeKind.SUBSTITUTION in {c.kind for item in changes for c in item.changes}


# Moments that lie ahead by nature: when something expires, is retried or is due.
AHEAD = {
    "expires_at",
    "code_expires_at",
    "locked_until",
    "leased_until",
    "next_attempt_at",
    "deadline_at",
    "due_at",
}
# The first school day, the rest of the first week, the second week (nothing printed yet),
# the third, and days the other tests seed on.
SEEDING_DAYS = (
    date(2026, 9, 1),
    date(2026, 9, 4),
    date(2026, 9, 9),
    date(2026, 9, 14),
    *DAYS.values(),
    date(2027, 9, 1),
)


@pytest.mark.parametrize("day", SEEDING_DAYS, ids=str)
def test_a_demo_seeded_on_any_day_dates_nothing_after_that_moment(
    session: Session, frozen_clock, day: date
) -> None:
    _seed_on(session, frozen_clock, day)
    now = utcnow()
    later = {
        f"{table.name}.{column.name}": latest
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, UTCDateTime)
        and column.name not in AHEAD
        and (latest := session.scalar(select(func.max(column)))) is not None
        and latest > now
    }
    assert later == {}
    signed = [ConsentEntry.signed_on, PaperExtract.handed_on, PaperExtract.returned_on]
    assert all((session.scalar(select(func.max(c))) or day) <= day for c in signed)


def test_first_graders_get_no_numeric_grades(session: Session, frozen_clock) -> None:
    frozen_clock.move_to(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    size = DemoSize(grades=(1, 5), classes_per_grade=1, students_per_class=4)
    seed_demo_school(session, size=size)
    first = session.scalars(select(SchoolClass).where(SchoolClass.grade == 1)).one()
    assert first.without_marks
    group_ids = select(StudyGroup.id).where(StudyGroup.class_id == first.id)
    graded = session.scalar(
        select(Grade.id)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Lesson.group_id.in_(group_ids))
        .limit(1)
    )
    assert graded is None
    lesson = session.scalars(
        select(Lesson).where(
            Lesson.group_id.in_(group_ids),
            Lesson.lesson_date.between(date(2026, 11, 23), date(2026, 11, 27)),
        )
    ).first()
    assert lesson is not None
    teacher = session.scalars(
        select(UserAccount.login).where(UserAccount.staff_id == lesson.staff_id)
    ).one()
    before = session.scalar(select(Grade.id).order_by(Grade.id.desc()).limit(1))
    with pytest.raises(DomainError, match="безотметочное обучение"):
        add_grade(session, actor_of(session, teacher), lesson_id=lesson.id, student_id=1, value=5)
    assert session.scalar(select(Grade.id).order_by(Grade.id.desc()).limit(1)) == before


@pytest.mark.parametrize(
    ("moscow", "given"),
    [(time(6, 45), 0), (time(11, 30), 3)],
    ids=["before the first bell", "after the third lesson"],
)
def test_the_journal_is_filled_only_for_lessons_over_by_the_seeding_moment(
    session: Session, frozen_clock, moscow: time, given: int
) -> None:
    day = date(2026, 11, 30)  # a school Monday; bells from 8:30, the third lesson ends at 11:05
    frozen_clock.move_to(datetime.combine(day, moscow, ZoneInfo(TIMEZONE)))
    seed_demo_school(session, size=SMALL)
    session.flush()
    unchanged = ~select(LessonChange.id).where(LessonChange.lesson_id == Lesson.id).exists()
    today = session.execute(
        select(Lesson.id, Lesson.number, Lesson.topic).where(Lesson.lesson_date == day, unchanged)
    ).all()
    assert today
    assert all((topic is not None) == (number <= given) for _, number, topic in today)
    later = [lesson_id for lesson_id, number, _ in today if number > given]
    for mark in (Grade.lesson_id, Absence.lesson_id):
        assert not session.scalar(select(func.count()).where(mark.in_(later)))
    marked = session.scalar(
        select(func.count())
        .select_from(Grade)
        .where(
            Grade.lesson_id.in_([lesson_id for lesson_id, number, _ in today if number <= given])
        )
    )
    assert (marked > 0) == (given > 0)
