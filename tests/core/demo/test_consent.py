"""The demo class shows every consent state, families on paper, and the extracts register."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.access.permissions import Action
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState
from klassruk.models.school import GuardianLink
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.consent.register import class_consent
from klassruk.services.delivery import delivery_route
from klassruk.services.extracts.register import extract_register
from klassruk.services.extracts.schedule import due_extracts
from klassruk.services.scope.classes import classes_in_scope
from tests.frozen import TODAY


def test_the_demo_class_has_every_state_paper_families_and_extracts(session):
    seed_demo_school(session, size=SMALL)
    teacher = actor_for(session.scalar(select(UserAccount).where(UserAccount.login == "klassruk")))
    (chosen,) = classes_in_scope(session, teacher, action=Action.VIEW_CONSENT)
    board = class_consent(session, teacher, class_id=chosen.class_id, on=TODAY)
    assert all(board.counts[state] for state in ConsentState)
    reasons = {p.reason for p in board.paper}
    assert reasons >= {"родитель выбрал бумажную форму",
                       "нет согласия на обработку данных ребёнка (отказ)"}
    assert session.scalar(select(ConsentEntry.id).where(ConsentEntry.corrects_id.is_not(None)))
    register = extract_register(session, teacher, class_id=chosen.class_id, on=TODAY)
    assert len(register) == 2
    assert sorted((r.handed_on is not None, r.returned_on is not None) for r in register) == [
        (True, False), (True, True)
    ]
    (due,) = due_extracts(session, teacher, on=TODAY)
    assert len(due.families) == len(board.paper)
    # The featured parent keeps the electronic route for every child.
    parent = session.scalar(select(UserAccount).where(UserAccount.login == "roditel"))
    children = session.scalars(
        select(GuardianLink.student_id).where(GuardianLink.guardian_id == parent.guardian_id)
    ).all()
    assert children
    for child in children:
        assert delivery_route(session, guardian_id=parent.guardian_id, student_id=child).electronic
