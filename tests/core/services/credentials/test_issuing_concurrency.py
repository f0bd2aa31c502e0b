"""Whole-class credential issues: serialised per class, confirmed before voiding fresh slips."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivationCode
from klassruk.models.accounts import UserAccount
from klassruk.services.credentials.codes import hash_code
from klassruk.services.credentials.issuing import (
    IssueResult,
    RecentCodes,
    RecentCodesFound,
    issue_credentials,
)
from tests.concurrency import run_together
from tests.factories import actor_of
from tests.schools.roster_school import ADMIN, ON, TEACHER_A


def _issue(factory, class_id, **kwargs):
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        return issue_credentials(session, actor, class_id=class_id, on=ON, **kwargs)


def _valid_codes(factory, issued) -> int:
    """How many of the printed slips would still let their owner in."""
    valid = 0
    with factory() as session:
        for slip in issued:
            user = session.scalar(select(UserAccount).where(UserAccount.login == slip.login))
            valid += session.scalar(
                select(ActivationCode.id).where(
                    ActivationCode.user_id == user.id,
                    ActivationCode.code_hash == hash_code(user.id, slip.code),
                    ActivationCode.revoked_at.is_(None),
                    ActivationCode.used_at.is_(None),
                )
            ) is not None
    return valid


def _codes(factory):
    with factory() as session:
        return [
            (code.user_id, code.revoked_at is None)
            for code in session.scalars(select(ActivationCode).order_by(ActivationCode.id))
        ]


def test_two_concurrent_whole_class_issues_give_one_outcome_and_no_dead_slips(factory, school):
    with factory() as session:
        teachers = [actor_of(session, TEACHER_A) for _ in range(2)]

    def issue(session, _seen):
        return issue_credentials(
            session, session.info["actor"], class_id=school.class_a, on=ON
        )

    results = run_together(factory, [(t, lambda _s: None, issue) for t in teachers])
    issued = [r for r in results if isinstance(r, IssueResult)]
    refused = [r for r in results if not isinstance(r, IssueResult)]
    assert len(issued) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], RecentCodesFound), refused[0]
    assert "Klassruk.A" in str(refused[0]) and "меньше часа назад" in str(refused[0])
    slips = issued[0].issued
    assert len(slips) == 4
    assert _valid_codes(factory, slips) == len(slips)
    assert len(_codes(factory)) == len(slips)


def test_whole_class_issue_within_the_hour_asks_then_skips_or_replaces_only_when_told(
    factory, school
):
    first = _issue(factory, school.class_a).issued
    before = _codes(factory)
    with pytest.raises(RecentCodesFound) as asked:
        _issue(factory, school.class_a)
    message = str(asked.value)
    # Мария also has a child in 7Б: only the admin re-issues hers, so three are at stake.
    assert "Klassruk.A" in message and "не использовано кодов: 3" in message
    assert asked.value.count == 3
    assert _codes(factory) == before  # nothing voided, nothing issued

    assert _issue(factory, school.class_a, recent=RecentCodes.SKIP).issued == []
    assert _valid_codes(factory, first) == 4

    replaced = _issue(factory, school.class_a, recent=RecentCodes.REPLACE).issued
    assert _valid_codes(factory, first) == 1
    assert _valid_codes(factory, replaced) == 3

    # Codes older than an hour are re-issued without asking, as before.
    later = utcnow() + timedelta(minutes=61)
    assert len(_issue(factory, school.class_a, now=later).issued) == 3


def test_migration_leaves_one_open_code_per_account(database_url):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from klassruk.infra.db import make_engine
    from klassruk.infra.schema import upgrade_to_head
    from tests.conftest import upgrade_to_before

    upgrade_to_before(database_url, "0005")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO user_account (id, login, display_name, status, "
                "must_change_password, failed_attempts, sessions_valid_after, created_at) "
                "VALUES (1, 'ivanov.petr', 'Иванов Пётр', 'issued', TRUE, 0, "
                "'2026-11-01 10:00:00', '2026-11-01 10:00:00')"
            ))
            connection.execute(text(
                "INSERT INTO activation_code (id, user_id, code_hash, issued_at, expires_at, "
                "issued_by_login) VALUES "
                "(1, 1, 'a', '2026-11-01 10:00:00', '2026-12-01 10:00:00', 'ct'), "
                "(2, 1, 'b', '2026-11-01 10:00:05', '2026-12-01 10:00:05', 'ct')"
            ))
        upgrade_to_head(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, revoked_at FROM activation_code ORDER BY id")
            ).all()
        assert rows[0][1] is not None and rows[1][1] is None
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO activation_code (user_id, code_hash, issued_at, expires_at, "
                "issued_by_login) VALUES (1, 'c', '2026-11-02 10:00:00', "
                "'2026-12-02 10:00:00', 'ct')"
            ))
    finally:
        engine.dispose()


def test_two_classes_issuing_at_once_share_their_guardian_without_an_integrity_error(
    factory, school
):
    with factory() as session:
        writers = [
            (actor_of(session, TEACHER_A), school.class_a),
            (actor_of(session, ADMIN), school.class_b),
        ]

    def issue(class_id):
        def write(session, _seen):
            return issue_credentials(session, session.info["actor"], class_id=class_id, on=ON)

        return write

    results = run_together(factory, [(a, lambda _s: None, issue(c)) for a, c in writers])
    assert all(isinstance(r, IssueResult | RecentCodesFound) for r in results), results
    with factory() as session:
        [maria] = session.scalars(
            select(UserAccount).where(UserAccount.guardian_id == school.maria)
        ).all()
    slips = [
        slip
        for r in results
        if isinstance(r, IssueResult)
        for slip in r.issued
        if slip.login == maria.login
    ]
    assert _valid_codes(factory, slips[-1:]) == 1
