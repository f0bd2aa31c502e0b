"""The transactional outbox: events are written with the change, or not at all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.journal import Lesson
from klassruk.models.notifications import EventKind, OutboxEvent
from klassruk.models.school import ReportingPeriod, SchoolYear
from klassruk.services import calendar, journal
from klassruk.services.timetable.changes import cancel_lesson, move_lesson
from klassruk.services.timetable.generation import generate_lessons
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import build_journal_school, set_cells


@pytest.fixture
def school(session):
    return build_journal_school(session)


def _events(session):
    return session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()


def _save(session, school, cells, reason=""):
    teacher = actor_of(session, "teacher_a")
    session.info["actor"] = teacher
    return set_cells(
        session, teacher, cells, group_id=school.two.group_a, subject_id=school.math,
        period_id=school.open_period, reason=reason,
    )


def test_a_journal_save_writes_one_event_per_change_with_the_reason(session, school):
    a, b = school.two.student_a, school.student_a2
    first = school.lessons[0]
    _save(session, school, {(a, first): "5", (b, first): "Н"})
    _save(session, school, {(a, first): "4"}, reason="пересчитала баллы")
    _save(session, school, {(a, first): ""}, reason="оценка не тому")
    kinds = [(e.kind, e.student_id) for e in _events(session)]
    assert kinds == [
        (EventKind.GRADE_ADDED, a),
        (EventKind.ABSENCE, b),
        (EventKind.GRADE_CHANGED, a),
        (EventKind.GRADE_DELETED, a),
    ]
    changed, deleted = _events(session)[2:]
    assert changed.payload["old_value"] == 5 and changed.payload["value"] == 4
    assert changed.payload["reason"] == "пересчитала баллы"
    assert deleted.payload["old_value"] == 4 and deleted.payload["reason"] == "оценка не тому"
    assert changed.payload["subject_id"] == school.math


def test_a_rolled_back_change_leaves_no_event_a_committed_one_stays(factory):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_journal_school(session)
    with pytest.raises(RuntimeError), unit_of_work(factory, SYSTEM) as session:
        teacher = actor_of(session, "teacher_a")
        session.info["actor"] = teacher
        journal.add_grade(session, teacher, lesson_id=school.lessons[0],
                          student_id=school.two.student_a, value=5)
        assert len(_events(session)) == 1
        raise RuntimeError("the page failed after the save")
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert _events(session) == []
    with unit_of_work(factory, SYSTEM) as session:
        teacher = actor_of(session, "teacher_a")
        session.info["actor"] = teacher
        journal.add_grade(session, teacher, lesson_id=school.lessons[0],
                          student_id=school.two.student_a, value=3)
    # No sender ran: the event waits, committed, for whenever one starts.
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        (event,) = _events(session)
        assert (event.kind, event.payload["value"], event.expanded_at) == (
            EventKind.GRADE_ADDED, 3, None
        )


def test_a_refused_save_writes_no_event(session, school):
    with pytest.raises(DomainError):
        _save(session, school, {(school.two.student_a, school.lessons[0]): "7"})
    assert _events(session) == []


def test_period_grades_recommendations_tests_homework_and_holidays_emit(session, school):
    teacher = actor_of(session, "teacher_a")
    session.info["actor"] = teacher
    a = school.two.student_a
    journal.set_period_grades(
        session, teacher, group_id=school.two.group_a, subject_id=school.math,
        period_id=school.open_period, values={a: 4}, expected={a: None},
    )
    journal.add_recommendation(session, teacher, group_id=school.two.group_a,
                               subject_id=school.math, student_id=a, text="Повторить дроби",
                               on=date(2026, 10, 5))
    journal.plan_test(session, teacher, group_id=school.two.group_a, subject_id=school.math,
                      on=date(2026, 10, 5), title="Дроби")
    journal.save_lessons(session, teacher, updates=[journal.LessonUpdate(
        school.lessons[0], "Дроби", "№ 12, 14", "", "")])
    session.info["actor"] = SYSTEM
    calendar.add_holiday(session, SYSTEM, name="Зимние каникулы",
                         starts_on=date(2026, 12, 29), ends_on=date(2027, 1, 11))
    assert [e.kind for e in _events(session)] == [
        EventKind.PERIOD_GRADE, EventKind.RECOMMENDATION, EventKind.TEST_PLANNED,
        EventKind.HOMEWORK, EventKind.HOLIDAY,
    ]
    homework = _events(session)[3]
    assert homework.group_id == school.two.group_a and homework.payload["homework"] == "№ 12, 14"


def test_a_cancelled_first_lesson_tomorrow_is_urgent_a_far_one_is_not_news(session, school):
    tomorrow = TODAY + timedelta(days=1)
    year = session.scalar(select(SchoolYear))
    session.add(ReportingPeriod(school_year_id=year.id, name="2 четверть",
                                starts_on=date(2026, 11, 5), ends_on=date(2026, 12, 30)))
    generate_lessons(session, SYSTEM, starts_on=TODAY, ends_on=TODAY + timedelta(30))
    def lesson_on(day):
        return session.scalar(select(Lesson).where(Lesson.lesson_date == day))

    soon = lesson_on(tomorrow + timedelta(days=1))  # Wednesday 02.12
    far = lesson_on(TODAY + timedelta(days=28))
    cancel_lesson(session, SYSTEM, lesson_id=far.id, reason="экскурсия")
    cancel_lesson(session, SYSTEM, lesson_id=soon.id, reason="учитель болен")
    move_lesson(session, SYSTEM, lesson_id=lesson_on(TODAY + timedelta(7)).id,
                          new_date=tomorrow, new_number=1)
    cancel_lesson(session, SYSTEM, lesson_id=lesson_on(tomorrow).id, reason="ремонт")
    got = [(e.kind, e.urgent) for e in _events(session)]
    assert got == [
        (EventKind.LESSON_CANCELLATION, False),
        (EventKind.LESSON_MOVE, False),
        (EventKind.LESSON_CANCELLATION, True),
    ]
