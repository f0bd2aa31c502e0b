"""A small school with a calendar, a timetable and lessons, for the journal tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.models.journal import Lesson
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    Holiday,
    ReportingPeriod,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
)
from klassruk.services import journal
from klassruk.services.incidents import report_compromise
from klassruk.services.incidents.voiding import void_operations
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.slots import add_slot
from tests.factories import SYSTEM, TwoClasses, actor_of, build_two_classes

ON = date(2026, 9, 15)


@dataclass(frozen=True)
class JournalSchool:
    """Ids of the journal test school."""

    two: TwoClasses
    math: int
    open_period: int
    closed_period: int
    lessons: list[int]  # math lessons of 7А in the open period, by date
    old_lesson: int  # a math lesson of 7А in the closed period
    student_a2: int
    teacher_a_staff: int


def build_journal_school(session: Session) -> JournalSchool:
    """7А and 8Б; math in 7А by teacher_a on Mon/Wed; an autumn break; one closed period."""
    two = build_two_classes(session)
    year = session.scalar(select(SchoolYear))
    assert year is not None
    math = session.scalar(select(Subject.id))
    assert math is not None
    closed = ReportingPeriod(
        school_year_id=year.id,
        name="Сентябрь",
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 6),
        is_closed=True,
    )
    open_ = ReportingPeriod(
        school_year_id=year.id,
        name="1 четверть",
        starts_on=date(2026, 9, 7),
        ends_on=date(2026, 10, 24),
    )
    session.add_all(
        [
            closed,
            open_,
            Holiday(
                school_year_id=year.id,
                name="Осенние каникулы",
                starts_on=date(2026, 10, 25),
                ends_on=date(2026, 11, 4),
            ),
            Holiday(
                school_year_id=year.id,
                name="Выходной день",
                starts_on=date(2026, 9, 16),
                ends_on=date(2026, 9, 16),
            ),
        ]
    )
    second = Student(last_name="Белова", first_name="Анна")
    session.add(second)
    session.flush()
    session.add_all(
        [
            Enrolment(student_id=second.id, class_id=two.class_a, starts_on=year.starts_on),
            GroupMembership(group_id=two.group_a, student_id=second.id, starts_on=year.starts_on),
        ]
    )
    teacher_staff = actor_of(session, "teacher_a").staff_id
    assert teacher_staff is not None
    # The whole class is taught maths by teacher_a on Monday (1) and Wednesday (3), lesson 2.
    for weekday in (1, 3):
        add_slot(
            session,
            SYSTEM,
            group_id=two.group_a,
            subject_id=math,
            staff_id=teacher_staff,
            weekday=weekday,
            lesson_number=2,
            room="21",
        )
    generate_lessons(
        session, SYSTEM, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30)
    )
    lessons = list(
        session.scalars(
            select(Lesson.id)
            .where(Lesson.lesson_date >= open_.starts_on)
            .order_by(Lesson.lesson_date)
        )
    )
    old = session.scalar(select(Lesson.id).where(Lesson.lesson_date < open_.starts_on))
    assert old is not None
    assert session.scalar(select(TeachingAssignment.id)) is not None
    session.flush()
    return JournalSchool(two, math, open_.id, closed.id, lessons, old, second.id, teacher_staff)


def edits_over_current(
    session: Session,
    cells: dict[tuple[int, int], str],
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
) -> dict[tuple[int, int], journal.CellEdit]:
    """Edits that set these cells, each expecting what the journal holds right now."""
    now = journal.build_grid(
        session, group_id=group_id, subject_id=subject_id, period_id=period_id
    ).cells
    return {key: journal.CellEdit(now.get(key, ""), text) for key, text in cells.items()}


def set_cells(
    session: Session,
    actor: Actor,
    cells: dict[tuple[int, int], str],
    *,
    group_id: int,
    subject_id: int,
    period_id: int,
    reason: str = "",
) -> journal.SaveSummary:
    """Save these cells as a user who has just read the journal."""
    scope = {"group_id": group_id, "subject_id": subject_id, "period_id": period_id}
    edits = edits_over_current(session, cells, **scope)
    return journal.save_grid(session, actor, edits=edits, reason=reason, **scope)


def voided_grade_incident(session: Session, *, value: int, how: str, reason: str) -> int:
    """teacher_a's account gives a grade, then the admin reports it and voids since then."""
    school = build_journal_school(session)
    session.flush()
    teacher = actor_of(session, "teacher_a")
    session.info["actor"] = teacher
    since = utcnow()
    journal.add_grade(session, teacher, lesson_id=school.lessons[0],
                      student_id=school.two.student_a, value=value)
    session.flush()
    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    incident = report_compromise(
        session, admin, login="teacher_a", discovered_at=utcnow(), suspected_since=since,
        how_discovered=how,
    )
    void_operations(session, admin, incident_id=incident.id, reason=reason, from_suspected=True)
    return incident.id
