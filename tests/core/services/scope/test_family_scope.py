"""The family scope check: once per read-only unit of work, every time in a writing one."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.errors import PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.school import GuardianLink
from klassruk.services.cabinet import lessons, record
from klassruk.services.cabinet.common import list_children
from klassruk.services.delivery import ConsentRequired, delivery_route
from klassruk.services.scope.students import require_family_scope
from tests.conftest import SYSTEM
from tests.core.services.statements import count_statements
from tests.factories import actor_of
from tests.frozen import TODAY


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
        child = list_children(session, parent, on=TODAY)[0].student_id

    def screen(read_only: bool) -> None:
        with unit_of_work(demo, parent, read_only=read_only) as session:
            lessons.homework(session, parent, student_id=child, on=TODAY)
            lessons.changes_on(session, parent, student_id=child, on=TODAY)
            record.recommendations_of(session, parent, student_id=child, on=TODAY)

    # A guardian's check is one statement: account, link and consents together.
    assert _account_checks(demo, lambda: screen(True)) == 1
    assert _account_checks(demo, lambda: screen(False)) == 3


def test_a_writing_session_sees_a_block_made_between_two_services(demo):
    with unit_of_work(demo, SYSTEM) as session:
        parent = actor_of(session, "roditel")
        child = list_children(session, parent, on=TODAY)[0].student_id
    with pytest.raises(PermissionDenied), unit_of_work(demo, parent) as session:
        lessons.homework(session, parent, student_id=child, on=TODAY)
        session.execute(
            update(UserAccount)
            .where(UserAccount.id == parent.user_id)
            .values(status=AccountStatus.BLOCKED)
        )
        lessons.homework(session, parent, student_id=child, on=TODAY)


_STATES = [None, ConsentState.GIVEN, ConsentState.REFUSED, ConsentState.WITHDRAWN]


def test_the_one_statement_gate_decides_as_the_delivery_route_and_the_link(demo):
    """Every combination: the cabinet's gate refuses exactly what the register's rules refuse."""
    with unit_of_work(demo, SYSTEM) as session:
        parent = actor_of(session, "roditel")
        child = list_children(session, parent, on=TODAY)[0].student_id
    for case in itertools.product(
        _STATES, _STATES, [False, True], [AccountStatus.ACTIVE, AccountStatus.BLOCKED],
        [False, True],
    ):
        own, child_state, paper, status, link_ended = case
        with unit_of_work(demo, SYSTEM) as session:
            _set_family(session, parent, child, own, child_state, paper, status, link_ended)
            route = delivery_route(session, guardian_id=parent.guardian_id, student_id=child)
        expected = (
            PermissionDenied if link_ended or status is AccountStatus.BLOCKED
            else None if route.electronic
            else ConsentRequired
        )
        with unit_of_work(demo, parent, read_only=True) as session:
            try:
                require_family_scope(session, parent, child, on=TODAY)
                outcome = None
            except PermissionDenied as refusal:
                outcome = type(refusal)
        assert outcome is expected, case


def _set_family(  # type: ignore[no-untyped-def]
    session, parent, child, own, child_state, paper, status, link_ended
) -> None:
    guardian = parent.guardian_id
    session.execute(delete(ConsentEntry).where(ConsentEntry.guardian_id == guardian))
    # Older entries first: only the newest of each subject may count.
    for state in (ConsentState.REFUSED, own):
        if state is not None:
            session.add(_entry(ConsentSubject.GUARDIAN_SELF, guardian, None, state, False))
    for state in (ConsentState.GIVEN, child_state):
        if state is not None:
            session.add(_entry(ConsentSubject.CHILD, guardian, child, state, paper))
    session.execute(
        update(UserAccount).where(UserAccount.id == parent.user_id).values(status=status)
    )
    session.execute(
        update(GuardianLink)
        .where(GuardianLink.guardian_id == guardian, GuardianLink.student_id == child)
        .values(ends_on=TODAY if link_ended else None)
    )
    session.flush()


def _entry(
    subject: ConsentSubject, guardian: int | None, student: int | None, state: ConsentState,
    paper: bool,
) -> ConsentEntry:
    return ConsentEntry(subject=subject, guardian_id=guardian, student_id=student, state=state,
                        prefers_paper=paper, recorded_by="тест")
