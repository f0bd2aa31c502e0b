"""Activation codes: typeable, single use, expiring, replaced; the first password after them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.accounts.login import GENERIC_LOGIN_ERROR, find_user_by_login
from klassruk.services.accounts.passwords import (
    FIRST_PASSWORD_REFUSED,
    needs_first_password,
    set_first_password,
)
from klassruk.services.accounts.sessions import actor_for, user_for_session_token
from klassruk.services.credentials.codes import (
    CODE_EXPIRED_ERROR,
    CODE_REPLACED_ERROR,
    CODE_USED_ERROR,
    generate_code,
    normalize_code,
)
from klassruk.services.credentials.people import PersonKind, PersonRef
from tests.core.services.credentials.issued import NEW_PASSWORD, by_name, issue, log_in
from tests.factories import SYSTEM
from tests.schools.roster_school import TEACHER_A


def test_code_is_typeable_and_long_enough():
    code = generate_code()
    assert len(code) == 19 and code.count("-") == 3
    assert not set(normalize_code(code)) & set("01OIL")
    # 16 symbols from 31: log2(31) * 16 ≈ 79 bits.
    assert normalize_code(" ркмн-7xка ") == "PKMH7XKA"


def test_first_login_with_code_activates_and_forces_a_password(factory, school):
    petr = by_name(issue(factory, TEACHER_A, school.class_a), "Пётр")
    error, user_id = log_in(factory, "  Ivanov.PETR ", petr.code.lower().replace("-", " "))
    assert error is None and user_id is not None
    with factory() as session:
        user = session.get(UserAccount, user_id)
        assert user.status is AccountStatus.ACTIVE
        assert user.must_change_password and user.password_hash is None
        # The session that activated may live (to set a password) even without a password.
        assert user_for_session_token(session, login=user.login, issued_at=utcnow()) is not None
        actor = actor_for(user, session_id="browser-1")
        assert needs_first_password(session, actor)
        assert not needs_first_password(session, actor_for(user, session_id="other-browser"))
    with unit_of_work(factory, actor) as session:
        set_first_password(session, actor, new_password=NEW_PASSWORD, confirmation=NEW_PASSWORD)
    with factory() as session:
        user = session.get(UserAccount, user_id)
        assert user.password_hash is not None and not user.must_change_password
    assert log_in(factory, "ivanov.petr", NEW_PASSWORD)[0] is None
    # The code is single use: it no longer opens the account, with a plain explanation.
    assert log_in(factory, "ivanov.petr", petr.code)[0] == CODE_USED_ERROR


def test_interrupted_activation_is_finished_with_the_same_code(factory, school):
    # Decision (issue 9): until a password is set, the code logs in again within its validity.
    anna = by_name(issue(factory, TEACHER_A, school.class_a), "Анна")
    assert log_in(factory, "ivanova.anna", anna.code)[0] is None
    error, user_id = log_in(factory, "ivanova.anna", anna.code, session_id="browser-2")
    assert error is None and user_id is not None
    with factory() as session:
        user = session.get(UserAccount, user_id)
        assert needs_first_password(session, actor_for(user, session_id="browser-2"))
        assert not needs_first_password(session, actor_for(user, session_id="browser-1"))
    with unit_of_work(factory, SYSTEM) as session:
        codes = select(ActivationCode).where(ActivationCode.user_id == user_id)
        for code in session.scalars(codes):
            code.expires_at = utcnow() - timedelta(minutes=1)
    error, user_id = log_in(factory, "ivanova.anna", anna.code, session_id="browser-4")
    assert user_id is None and error == CODE_EXPIRED_ERROR


def test_another_browser_cannot_set_the_first_password(factory, school):
    anna = by_name(issue(factory, TEACHER_A, school.class_a), "Анна")
    _, user_id = log_in(factory, "ivanova.anna", anna.code, session_id="browser-1")
    with factory() as session:
        intruder = actor_for(session.get(UserAccount, user_id), session_id="stolen-cookie")
    with pytest.raises(DomainError, match="сразу после входа по коду"), unit_of_work(
        factory, intruder
    ) as session:
        set_first_password(
            session, intruder, new_password=NEW_PASSWORD, confirmation=NEW_PASSWORD
        )
    assert FIRST_PASSWORD_REFUSED


def test_expired_code_is_refused_and_changes_nothing(factory, school):
    issued_at = utcnow() - timedelta(days=31)
    petr = by_name(issue(factory, TEACHER_A, school.class_a, now=issued_at), "Пётр")
    assert log_in(factory, "ivanov.petr", petr.code) == (CODE_EXPIRED_ERROR, None)
    with factory() as session:
        user = find_user_by_login(session, "ivanov.petr")
        assert user.status is AccountStatus.ISSUED and user.failed_attempts == 0


def test_reissue_invalidates_the_previous_code(factory, school):
    people = [PersonRef(PersonKind.GUARDIAN, school.sergey)]
    old = issue(factory, TEACHER_A, school.class_a, people).issued[0]
    new = issue(factory, TEACHER_A, school.class_a, people).issued[0]
    assert old.login == new.login and old.code != new.code
    assert log_in(factory, new.login, old.code) == (CODE_REPLACED_ERROR, None)
    assert log_in(factory, new.login, new.code)[0] is None
    with factory() as session:
        codes = session.scalars(select(ActivationCode).order_by(ActivationCode.id)).all()
        assert codes[0].revoked_at is not None and codes[1].used_at is not None


def test_wrong_codes_count_towards_the_lockout(factory, school):
    petr = by_name(issue(factory, TEACHER_A, school.class_a), "Пётр")
    for _ in range(4):
        assert log_in(factory, "ivanov.petr", "AAAA-BBBB-CCCC-DDDD")[0] == GENERIC_LOGIN_ERROR
    # Locked now: even the right code is refused, worded as a wrong one (no login oracle).
    assert log_in(factory, "ivanov.petr", "AAAA-BBBB-CCCC-DDDE")[0] == GENERIC_LOGIN_ERROR
    assert log_in(factory, "ivanov.petr", petr.code) == (GENERIC_LOGIN_ERROR, None)
