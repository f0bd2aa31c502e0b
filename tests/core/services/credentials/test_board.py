"""The credentials board: every state of a class's people, the not-activated filter."""

from __future__ import annotations

from datetime import timedelta

from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.board import BoardState, credentials_board
from klassruk.services.credentials.people import PersonKind, PersonRef
from tests.core.services.credentials.issued import issue, log_in
from tests.factories import actor_of
from tests.schools.roster_school import ON, TEACHER_A


def test_board_shows_every_state_and_filters_not_activated(factory, school):
    people = [
        PersonRef(PersonKind.STUDENT, school.petr),
        PersonRef(PersonKind.STUDENT, school.anna),
    ]
    old = utcnow() - timedelta(days=10)
    issued = issue(factory, TEACHER_A, school.class_a, people, now=old).issued
    fresh = issue(factory, TEACHER_A, school.class_a, people[:1]).issued[0]
    log_in(factory, "ivanov.petr", fresh.code)
    sergey = [PersonRef(PersonKind.GUARDIAN, school.sergey)]
    issue(factory, TEACHER_A, school.class_a, sergey, now=utcnow() - timedelta(days=40))
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        block_accounts(session, actor, class_id=school.class_a, on=ON, people=people[1:])
    assert issued
    with factory() as session:
        rows = credentials_board(session, actor, class_id=school.class_a, on=ON)
        states = {row.name: row.state for row in rows}
        assert states == {
            "Иванов Пётр": BoardState.ACTIVE,
            "Иванова Анна": BoardState.BLOCKED,
            "Иванов Сергей Петрович": BoardState.CODE_EXPIRED,
            "Иванова Мария Сергеевна": BoardState.NO_ACCOUNT,
        }
        petr = next(r for r in rows if r.name == "Иванов Пётр")
        assert petr.activated_at is not None
        late = credentials_board(
            session, actor, class_id=school.class_a, on=ON, not_activated_days=7
        )
        assert [r.name for r in late] == ["Иванов Сергей Петрович"]
