"""A class teacher blocks accounts of the class: codes and sessions stop working."""

from __future__ import annotations

from klassruk.infra.db import unit_of_work
from klassruk.services.accounts.login import GENERIC_LOGIN_ERROR
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.codes import (
    CODE_REPLACED_ERROR,
)
from klassruk.services.credentials.people import PersonKind, PersonRef
from tests.core.services.credentials.issued import issue, log_in
from tests.factories import actor_of
from tests.schools.roster_school import ON, TEACHER_A


def test_blocked_account_loses_its_code_and_sessions(factory, school):
    people = [PersonRef(PersonKind.STUDENT, school.anna)]
    anna = issue(factory, TEACHER_A, school.class_a, people).issued[0]
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        assert block_accounts(session, actor, class_id=school.class_a, on=ON, people=people) == 1
    error, user_id = log_in(factory, anna.login, anna.code)
    assert user_id is None and error in (GENERIC_LOGIN_ERROR, CODE_REPLACED_ERROR)
