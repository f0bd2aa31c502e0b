"""Ending a guardian's link to a child: who may, what it takes, what the guardian sees after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog
from klassruk.models.accounts import UserAccount
from klassruk.models.school import SchoolClass
from klassruk.services.cabinet import lessons
from klassruk.services.cabinet.common import list_children
from klassruk.services.family_links import end_guardian_link
from tests.factories import actor_of
from tests.frozen import TODAY

ON = TODAY


@pytest.fixture
def demo(session: Session) -> Session:
    seed_demo_school(session, size=SMALL)
    session.flush()
    return session


def _class_teacher_of(session: Session, class_id: int, *, other: bool = False) -> Actor:
    clause = SchoolClass.id != class_id if other else SchoolClass.id == class_id
    login = session.scalar(
        select(UserAccount.login)
        .join(SchoolClass, SchoolClass.class_teacher_id == UserAccount.staff_id)
        .where(clause)
        .limit(1)
    )
    assert login is not None
    return actor_of(session, login)


def test_the_class_teacher_ends_a_link_and_from_that_day_the_guardian_sees_nothing(demo):
    parent = actor_of(demo, "roditel")
    child = list_children(demo, parent, on=ON)[0]
    teacher = _class_teacher_of(demo, child.class_id)
    assert parent.guardian_id is not None
    demo.info["actor"] = teacher
    end_guardian_link(demo, teacher, guardian_id=parent.guardian_id, student_id=child.student_id,
                      ends_on=ON, reason="  решение  суда № 2-15 ", on=ON)
    assert child.student_id not in [c.student_id for c in list_children(demo, parent, on=ON)]
    before = [c.student_id for c in list_children(demo, parent, on=ON - timedelta(days=1))]
    assert child.student_id in before
    with pytest.raises(PermissionDenied):
        lessons.homework(demo, parent, student_id=child.student_id, on=ON)
    audit = demo.scalars(select(AuditLog).where(AuditLog.entity == "guardian_link")).all()
    assert [a.reason for a in audit] == ["Прекращение связи с ребёнком: решение суда № 2-15"]
    assert audit[0].changes["ends_on"]["new"] == ON.isoformat()
    with pytest.raises(DomainError, match="уже прекращена"):
        end_guardian_link(demo, teacher, guardian_id=parent.guardian_id,
                          student_id=child.student_id, ends_on=ON, reason="ещё раз", on=ON)


def test_no_reason_or_another_class_changes_nothing(demo):
    parent = actor_of(demo, "roditel")
    child = list_children(demo, parent, on=ON)[0]
    assert parent.guardian_id is not None
    for actor, error in (
        (_class_teacher_of(demo, child.class_id), DomainError),
        (_class_teacher_of(demo, child.class_id, other=True), PermissionDenied),
        (parent, PermissionDenied),
    ):
        demo.info["actor"] = actor
        with pytest.raises(error):
            end_guardian_link(demo, actor, guardian_id=parent.guardian_id,
                              student_id=child.student_id, ends_on=ON,
                              reason="   " if error is DomainError else "заявление", on=ON)
    assert child.student_id in [c.student_id for c in list_children(demo, parent, on=ON)]
