"""An acknowledgement made with a compromised account after the voiding time no longer counts."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.models.families import Acknowledgement
from klassruk.services import calendar
from klassruk.services.acknowledgements.ledger import acknowledge_week
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.incidents import report_compromise
from klassruk.services.incidents.voiding import void_operations
from tests.factories import actor_of
from tests.frozen import TODAY

WEEK = calendar.week_start(TODAY)


def test_a_voided_acknowledgement_no_longer_counts(session):
    seed_demo_school(session, size=SMALL)
    session.flush()
    parent = actor_of(session, "roditel")
    child = actor_of(session, "uchenik").student_id
    assert child is not None
    suspected = utcnow()
    session.info["actor"] = parent
    status = week_status(
        session, parent, student_id=child, week_start=WEEK, on=TODAY
    )
    acknowledge_week(
        session, parent, student_id=child, week_start=WEEK, digest=status.content.digest,
        on=TODAY,
    )
    session.flush()
    assert week_status(
        session, parent, student_id=child, week_start=WEEK, on=TODAY
    ).state.acknowledged

    admin = actor_of(session, "admin")
    session.info["actor"] = admin
    incident = report_compromise(
        session, admin, login="roditel", discovered_at=utcnow(), suspected_since=suspected,
        how_discovered="Родитель не подтверждал ознакомление",
    )
    summary = void_operations(session, admin, incident_id=incident.id, reason="Не родитель",
                              from_suspected=True)
    assert summary.restored >= 1 and summary.conflicts == 0
    # The ledger no longer holds it (the parent's own view is closed with the account).
    assert session.scalars(
        select(Acknowledgement).where(
            Acknowledgement.guardian_id == parent.guardian_id,
            Acknowledgement.student_id == child,
            Acknowledgement.week_start == WEEK,
        )
    ).all() == []
