"""The audit hook: every write is logged with actor and before/after; no actor, no write."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.access.permissions import Actor, Role
from klassruk.audit.log import MissingActor
from klassruk.infra.db import unit_of_work
from klassruk.models import AuditLog
from klassruk.models.school import Subject
from tests.factories import SYSTEM, actor_of, make_account


def test_insert_update_delete_are_logged_with_actor_and_values(factory):
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "zavuch", {Role.DEPUTY_HEAD})
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, "zavuch")
    with unit_of_work(factory, actor) as session:
        session.add(Subject(name="Физика", short_name="Физ"))
    with unit_of_work(factory, actor) as session:
        subject = session.scalar(select(Subject))
        assert subject is not None
        subject.short_name = "Физика"
    with unit_of_work(factory, actor) as session:
        session.delete(session.scalar(select(Subject)))
    with factory() as session:
        rows = session.scalars(
            select(AuditLog).where(AuditLog.entity == "subject").order_by(AuditLog.id)
        ).all()
    assert [r.operation for r in rows] == ["insert", "update", "delete"]
    assert all(r.actor_login == "zavuch" and r.actor_user_id == actor.user_id for r in rows)
    assert all(r.session_id == "test-session" for r in rows)
    assert rows[0].changes["name"] == {"new": "Физика"}
    assert rows[1].changes == {"short_name": {"old": "Физ", "new": "Физика"}}
    assert rows[2].changes["short_name"] == {"old": "Физика"}
    assert rows[0].entity_id == rows[1].entity_id == rows[2].entity_id != ""


def test_password_hashes_never_reach_the_audit_log(factory):
    with unit_of_work(factory, SYSTEM) as session:
        user = make_account(session, "ivanova.olga", {Role.GUARDIAN})
        password_hash = user.password_hash
    assert password_hash
    with factory() as session:
        dumped = " ".join(str(r.changes) for r in session.scalars(select(AuditLog)))
    assert password_hash not in dumped
    assert "'password_hash': {'new': '***'}" in dumped


def test_write_without_actor_is_refused_and_nothing_is_written(factory):
    session = factory()
    session.add(Subject(name="Химия", short_name="Хим"))
    with pytest.raises(MissingActor):
        session.flush()
    session.rollback()
    session.close()
    with factory() as check:
        assert check.scalar(select(Subject)) is None


def test_user_actor_cannot_switch_auditing_off(factory):
    actor = Actor(login="someone", roles=frozenset({Role.ADMIN}), user_id=None)
    with unit_of_work(factory, actor) as session:
        session.info["audit"] = False
        session.add(Subject(name="История", short_name="Ист"))
    with factory() as session:
        assert session.scalar(select(AuditLog.actor_login)) == "someone"
