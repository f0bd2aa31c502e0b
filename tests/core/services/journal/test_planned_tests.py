"""Planned tests: a second test on a pupil's day asks first; moves and cancels stay visible."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from klassruk.errors import Conflict, DomainError, PermissionDenied
from klassruk.models.journal import PlannedTest
from klassruk.models.logs import AuditLog
from klassruk.models.school import Subject
from klassruk.services import journal
from klassruk.services.cabinet.lessons import student_tests
from tests.factories import act_as
from tests.schools.journal_school import build_journal_school

MONDAY, WEDNESDAY = date(2026, 9, 21), date(2026, 9, 23)


@pytest.fixture
def school(session):
    return build_journal_school(session)


def _dictation(session, school, group_id: int) -> PlannedTest:
    """Another teacher's test in Russian for `group_id` on MONDAY."""
    russian = Subject(name="Русский язык", short_name="Рус")
    session.add(russian)
    session.flush()
    test = PlannedTest(group_id=group_id, subject_id=russian.id, planned_on=MONDAY,
                       title="Диктант", created_by="other")
    session.add(test)
    session.flush()
    return test


def _plan(session, school, actor, on=MONDAY, title="Контрольная № 1", **kwargs):
    return journal.plan_test(session, actor, group_id=school.two.group_a,
                             subject_id=school.math, on=on, title=title, **kwargs)


def _tests(session) -> list[tuple[date, str]]:
    return [tuple(row) for row in session.execute(
        select(PlannedTest.planned_on, PlannedTest.title).order_by(PlannedTest.id)
    )]


def test_a_second_test_on_the_pupils_day_names_the_first_and_waits_for_a_yes(session, school):
    _dictation(session, school, school.two.group_a)
    teacher = act_as(session, "teacher_a")
    before = _tests(session)
    with pytest.raises(journal.SameDayTest) as refused:
        _plan(session, school, teacher)
    assert "21.09.2026" in str(refused.value) and "Русский язык" in str(refused.value)
    assert "«Диктант»" in str(refused.value)
    assert _tests(session) == before
    _plan(session, school, teacher, confirm_same_day=True)
    assert _tests(session) == [*before, (MONDAY, "Контрольная № 1")]


def test_another_class_or_day_is_no_reason_to_ask(session, school):
    _dictation(session, school, school.two.group_b)
    teacher = act_as(session, "teacher_a")
    _plan(session, school, teacher)
    _plan(session, school, teacher, on=WEDNESDAY, title="Контрольная № 2")
    assert len(_tests(session)) == 3


def test_a_moved_test_keeps_its_first_date_for_families_and_in_the_audit(session, school):
    teacher = act_as(session, "teacher_a")
    test = _plan(session, school, teacher)
    pupil = school.two.student_a
    signed = student_tests(session, pupil, MONDAY, WEDNESDAY)
    journal.change_test(
        session, teacher, test_id=test.id, group_id=school.two.group_a, subject_id=school.math,
        on=WEDNESDAY, title="Контрольная № 1: дроби", expected_on=MONDAY,
        expected_title="Контрольная № 1",
    )
    (seen,) = student_tests(session, pupil, MONDAY, WEDNESDAY)
    assert (seen.planned_on, seen.title, seen.change) == (
        WEDNESDAY, "Контрольная № 1: дроби", "перенесена с 21.09.2026"
    )
    assert seen != signed[0]
    audit = session.scalars(
        select(AuditLog).where(AuditLog.entity == "planned_test", AuditLog.operation == "update")
    ).all()
    assert audit and audit[-1].actor_login == "teacher_a"
    assert "planned_on" in audit[-1].changes
    with pytest.raises(Conflict, match=r"23\.09\.2026"):
        journal.change_test(
            session, teacher, test_id=test.id, group_id=school.two.group_a,
            subject_id=school.math, on=MONDAY, title="x", expected_on=MONDAY,
            expected_title="Контрольная № 1",
        )


def test_a_cancelled_test_stays_listed_as_cancelled_with_its_reason(session, school):
    teacher = act_as(session, "teacher_a")
    test = _plan(session, school, teacher)
    for blank in ("  ", "\u200b\u2060"):  # invisible characters are no reason either
        with pytest.raises(DomainError, match="причину"):
            journal.cancel_test(session, teacher, test_id=test.id, group_id=school.two.group_a,
                                subject_id=school.math, reason=blank)
    with pytest.raises(DomainError, match="не длиннее 300 символов"):
        journal.cancel_test(session, teacher, test_id=test.id, group_id=school.two.group_a,
                            subject_id=school.math, reason="я" * 301)
    journal.cancel_test(session, teacher, test_id=test.id, group_id=school.two.group_a,
                        subject_id=school.math, reason="карантин в классе")
    (seen,) = student_tests(session, school.two.student_a, MONDAY, MONDAY)
    assert seen.change == "отменена: карантин в классе"
    grid = journal.read_journal(session, teacher, group_id=school.two.group_a,
                                subject_id=school.math, period_id=school.open_period)
    assert not any(lesson.has_test for lesson in grid.lessons)
    # A cancelled test no longer counts against the day: no question asked.
    _plan(session, school, teacher, title="Новая")
    with pytest.raises(DomainError, match="уже отменена"):
        journal.cancel_test(session, teacher, test_id=test.id, group_id=school.two.group_a,
                            subject_id=school.math, reason="ещё раз")


def test_only_the_journal_teacher_moves_or_cancels(session, school):
    test = _plan(session, school, act_as(session, "teacher_a"))
    stranger = act_as(session, "ct_b")
    with pytest.raises(PermissionDenied):
        journal.cancel_test(session, stranger, test_id=test.id, group_id=school.two.group_a,
                            subject_id=school.math, reason="нет")
    with pytest.raises(DomainError, match="нет"):
        journal.cancel_test(session, stranger, test_id=test.id, group_id=school.two.group_b,
                            subject_id=school.math, reason="нет")
    assert session.scalar(
        select(func.count()).select_from(PlannedTest).where(PlannedTest.cancelled_at.is_not(None))
    ) == 0
