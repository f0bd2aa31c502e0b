"""A pupil who changed class in the middle of a period: each class journal shows its own days."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.errors import PermissionDenied
from klassruk.models.journal import Grade, GradeKind, Lesson, PeriodGrade
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    Staff,
    Student,
    Subject,
)
from klassruk.services.class_journal.card import student_card
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.class_journal.summary import class_summary, subject_drilldown
from tests.factories import TwoClasses, actor_of, build_two_classes

MOVED_ON = date(2026, 11, 21)


def _school(session: Session) -> tuple[TwoClasses, int, int, int]:
    """Новиков: in 7А until 20.11 (a 5 there), in 8Б since 21.11 (a 2 and the period's 2)."""
    two = build_two_classes(session)
    period = ReportingPeriod(
        school_year_id=1, name="2 четверть", starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 28)
    )
    pupil = Student(last_name="Новиков", first_name="Илья")
    session.add_all([period, pupil])
    session.flush()
    session.add_all(
        [
            Enrolment(
                student_id=pupil.id,
                class_id=two.class_a,
                starts_on=date(2026, 9, 1),
                ends_on=MOVED_ON.replace(day=20),
            ),
            Enrolment(student_id=pupil.id, class_id=two.class_b, starts_on=MOVED_ON),
            GroupMembership(
                group_id=two.group_a,
                student_id=pupil.id,
                starts_on=date(2026, 9, 1),
                ends_on=MOVED_ON.replace(day=20),
            ),
            GroupMembership(group_id=two.group_b, student_id=pupil.id, starts_on=MOVED_ON),
        ]
    )
    math = session.scalar(select(Subject.id))
    staff = session.scalar(select(Staff.id))
    assert math is not None and staff is not None
    for group, day, value in (
        (two.group_a, date(2026, 11, 10), 5),
        (two.group_b, date(2026, 11, 24), 2),
    ):
        lesson = Lesson(group_id=group, subject_id=math, staff_id=staff, lesson_date=day, number=1)
        session.add(lesson)
        session.flush()
        session.add(
            Grade(
                lesson_id=lesson.id,
                student_id=pupil.id,
                value=value,
                kind=GradeKind.CLASSWORK,
                weight=1.0,
                created_by="тест",
            )
        )
    session.add(
        PeriodGrade(
            period_id=period.id,
            student_id=pupil.id,
            subject_id=math,
            group_id=two.group_b,
            value=2,
            set_by="тест",
        )
    )
    session.flush()
    return two, pupil.id, period.id, math


@pytest.mark.parametrize(
    ("login", "own", "marks", "period_grade"),
    [("ct_a", "class_a", "5", None), ("ct_b", "class_b", "2", 2)],
)
def test_each_class_journal_shows_the_pupil_on_their_days_in_that_class(
    session, login, own, marks, period_grade
):
    two, pupil, period, math = _school(session)
    actor = actor_of(session, login)
    class_id = getattr(two, own)
    card = student_card(session, actor, class_id=class_id, student_id=pupil, period_id=period)
    assert [(s.marks, s.period_grade) for s in card.subjects] == [(marks, period_grade)]
    assert sum(p.grades for p in card.weekly) == 1 and sum(card.distribution.values()) == 1
    summary = class_summary(session, actor, class_id=class_id, period_id=period)
    assert summary.cells[(pupil, math)].grades == 1
    assert summary.cells[(pupil, math)].period_grade == period_grade
    assert summary.totals[pupil][1] == 1
    charts = class_charts(session, actor, class_id=class_id, period_id=period)
    assert sum(charts.distribution.values()) == 1
    # The drilldown lists the pupil only in the grid of the own class's group, with its mark.
    grids = subject_drilldown(session, actor, class_id=class_id, subject_id=math, period_id=period)
    rows = [
        (g.group, s.grades, s.period_grade)
        for g in grids
        for s in g.students
        if s.student_id == pupil
    ]
    own_group = "7А — весь класс" if own == "class_a" else "8Б — весь класс"
    assert rows == [(own_group, 1, period_grade)]


def test_the_other_class_card_is_refused_when_the_pupil_was_never_in_it(session):
    two, _, period, _ = _school(session)
    with pytest.raises(PermissionDenied):
        student_card(
            session,
            actor_of(session, "ct_a"),
            class_id=two.class_a,
            student_id=two.student_b,
            period_id=period,
        )
