"""AppTest: the audit log reads the retention command's removals."""

from __future__ import annotations

from datetime import UTC, datetime

from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivityLog
from klassruk.operations.retention import run_retention
from tests.factories import SYSTEM
from tests.frozen import TODAY


def test_the_audit_log_shows_a_purge_of_old_logins(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        session.add(ActivityLog(at=datetime(2024, 1, 10, tzinfo=UTC), login="x", event="login"))
    with unit_of_work(factory, SYSTEM) as session:
        report = run_retention(session, SYSTEM, on=TODAY, now=utcnow(), family_years=3,
                               log_months=12, apply=True)
    assert report.counts["logs"] >= 1
    at = logged_in("admin")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception, at.exception
    shown = " ".join(str(frame.value.to_dict()) for frame in at.dataframe)
    assert "Журнал входов и событий" in shown
