"""Reporting a compromise tells nobody whether a login outside their reach exists (issue 22)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models.school import Guardian
from klassruk.services.incidents import report_compromise
from tests.factories import actor_of, build_two_classes, make_account


def _refusal(session: Session, reporter: str, login: str) -> str:
    actor = actor_of(session, reporter)
    session.info["actor"] = actor
    now = utcnow()
    with pytest.raises(DomainError) as refused:
        report_compromise(session, actor, login=login, discovered_at=now - timedelta(hours=1),
                          how_discovered="Чужой вход", now=now)
    return str(refused.value)


@pytest.mark.parametrize(("reporter", "existing"), [
    ("ct_a", "teacher_a"),  # a colleague's account: reported by the admin
    ("ct_a", "parent_b"),  # a family of another class
    ("parent_a", "pupil_a"),  # a family or a pupil reports only their own account
    ("pupil_a", "ct_a"),
])
def test_an_existing_login_out_of_reach_reads_like_a_missing_one(session, reporter, existing):
    build_two_classes(session)
    father_b = session.scalar(select(Guardian.id).where(Guardian.last_name == "Зайцев"))
    assert father_b is not None
    make_account(session, "parent_b", {Role.GUARDIAN}, guardian_id=father_b)
    assert _refusal(session, reporter, existing) == _refusal(session, reporter, "net.takogo")
