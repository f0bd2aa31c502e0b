"""The family scope check: once per read-only unit of work, every time in a writing one."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from klassruk.db import unit_of_work
from klassruk.demo import DEMO_TODAY, SMALL, seed_demo_school
from klassruk.errors import PermissionDenied
from klassruk.models import AccountStatus, UserAccount
from klassruk.services.cabinet import lessons, record
from klassruk.services.cabinet.common import list_children
from tests.conftest import SYSTEM
from tests.core.services.statements import count_statements
from tests.factories import actor_of


@pytest.fixture
def demo(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    return factory


def _account_checks(factory: sessionmaker[Session], run) -> int:  # type: ignore[no-untyped-def]
    return count_statements(factory.kw["bind"], run, containing="user_account.status")


def test_a_read_only_unit_checks_the_scope_once_for_all_its_services(demo):
    with unit_of_work(demo, SYSTEM) as session:
        parent = actor_of(session, "roditel")
        child = list_children(session, parent, on=DEMO_TODAY)[0].student_id

    def screen(read_only: bool) -> None:
        with unit_of_work(demo, parent, read_only=read_only) as session:
            lessons.homework(session, parent, student_id=child, on=DEMO_TODAY)
            lessons.changes_on(session, parent, student_id=child, on=DEMO_TODAY)
            record.recommendations_of(session, parent, student_id=child, on=DEMO_TODAY)

    # The check reads the account's status twice (the link's account, the delivery route).
    assert _account_checks(demo, lambda: screen(True)) == 2
    assert _account_checks(demo, lambda: screen(False)) == 6


def test_a_writing_session_sees_a_block_made_between_two_services(demo):
    with unit_of_work(demo, SYSTEM) as session:
        parent = actor_of(session, "roditel")
        child = list_children(session, parent, on=DEMO_TODAY)[0].student_id
    with pytest.raises(PermissionDenied), unit_of_work(demo, parent) as session:
        lessons.homework(session, parent, student_id=child, on=DEMO_TODAY)
        session.execute(
            update(UserAccount)
            .where(UserAccount.id == parent.user_id)
            .values(status=AccountStatus.BLOCKED)
        )
        lessons.homework(session, parent, student_id=child, on=DEMO_TODAY)
