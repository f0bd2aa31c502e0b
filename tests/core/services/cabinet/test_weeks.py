"""Week content for the cabinet and for a class's paper extracts: one answer, few queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.models.families import AckKind, Acknowledgement
from klassruk.models.school import Enrolment, SchoolClass
from klassruk.services import calendar
from klassruk.services.cabinet.common import list_children
from klassruk.services.cabinet.weeks import week_content, week_contents
from tests.core.services.statements import count_statements
from tests.factories import actor_of
from tests.frozen import TODAY

WEEK = calendar.week_start(TODAY)
WEEKS = [WEEK - timedelta(days=7 * n) for n in range(4)]


@pytest.fixture
def demo(session: Session) -> Session:
    seed_demo_school(session, size=SMALL)
    session.flush()
    return session


def _class_of_parent_child(session: Session) -> list[int]:
    parent = actor_of(session, "roditel")
    child = list_children(session, parent, on=TODAY)[0]
    return list(
        session.scalars(
            select(Enrolment.student_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Enrolment.class_id == child.class_id)
            .order_by(Enrolment.student_id)
        )
    )


def test_a_class_over_weeks_is_the_same_as_each_child_and_week_alone(demo):
    students = _class_of_parent_child(demo)
    together = week_contents(demo, student_ids=students, weeks=WEEKS)
    assert len(together) == len(students) * len(WEEKS)
    for student_id in students:
        for monday in WEEKS:
            alone = week_content(demo, student_id=student_id, week_start=monday)
            assert together[student_id, monday].shown == alone.shown
            assert together[student_id, monday].digest == alone.digest
    assert any(content.shown["grades"] for content in together.values())


def test_a_class_over_weeks_takes_a_few_queries_however_many_children_and_weeks(demo):
    students = _class_of_parent_child(demo)
    engine = demo.get_bind()
    one = count_statements(
        engine, lambda: week_contents(demo, student_ids=students[:1], weeks=WEEKS[:1])
    )
    many = count_statements(
        engine, lambda: week_contents(demo, student_ids=students, weeks=WEEKS)
    )
    assert many == one <= 6


def test_a_week_signed_by_the_demo_parent_keeps_its_fingerprint(demo):
    """Weeks whose content did not change since the demo signed them give the stored digest."""
    signed = demo.scalars(
        select(Acknowledgement).where(Acknowledgement.kind == AckKind.WEEK)
    ).all()
    unchanged = 0
    for ack in signed:
        assert ack.week_start is not None
        content = week_content(demo, student_id=ack.student_id, week_start=ack.week_start)
        if content.shown == ack.shown:
            unchanged += 1
            assert content.digest == ack.digest
    assert unchanged
