"""Retention (152-ФЗ): the policy, the dry run, the apply with an audit row per removal."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.cli import main
from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DemoSize
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivityLog, AuditLog
from klassruk.models.consent import ConsentEntry, ConsentScan, ConsentState
from klassruk.models.school import Enrolment, Guardian, GuardianLink, SchoolClass
from klassruk.operations.retention import policy, run_retention
from klassruk.services.school_year.rollover import apply_rollover, plan_rollover
from tests.factories import SYSTEM, act_as, actor_of, give_scanned_consent

SIZE = DemoSize(grades=(9, 11), classes_per_grade=1, students_per_class=3)


def _leavers_guardian(session: Session) -> Guardian:
    """A guardian whose only children are in the 11th grade."""
    eleventh = select(Enrolment.student_id).join(
        SchoolClass, SchoolClass.id == Enrolment.class_id
    ).where(SchoolClass.grade == 11)
    elsewhere = select(GuardianLink.guardian_id).where(GuardianLink.student_id.not_in(eleventh))
    guardian_id = session.scalars(
        select(GuardianLink.guardian_id)
        .where(GuardianLink.student_id.in_(eleventh), GuardianLink.guardian_id.not_in(elsewhere))
        .order_by(GuardianLink.guardian_id)
    ).first()
    guardian = session.get(Guardian, guardian_id)
    assert guardian is not None
    return guardian


def _run(session: Session, *, on: date, apply: bool):
    return run_retention(
        session, SYSTEM, on=on, now=utcnow(), family_years=3, log_months=12, apply=apply
    )


def _prepare(factory: sessionmaker[Session], frozen_clock) -> int:
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SIZE)
        session.add(ActivityLog(at=datetime(2025, 1, 10, tzinfo=UTC), login="x", event="login"))
    with unit_of_work(factory, SYSTEM) as session:
        act_as(session, "admin")
        guardian = _leavers_guardian(session)
        guardian.email = "leaver.parent@mail.example"  # an audited change that names it
        give_scanned_consent(session, guardian.id, file_name="согласие.pdf")
        guardian_id = guardian.id
    frozen_clock.move_to(datetime(2027, 6, 15, 7, 0, tzinfo=UTC))
    with unit_of_work(factory, SYSTEM) as session:
        plan = plan_rollover(session, actor_of(session, "admin"), on=date(2027, 6, 15))
        apply_rollover(session, SYSTEM, plan=plan, on=date(2027, 6, 15), now=utcnow())
    return guardian_id


def test_the_policy_names_every_kind_of_data_with_its_term():
    rules = {rule.key: rule.kept for rule in policy(family_years=3, log_months=12)}
    assert set(rules) == {"journal", "contacts", "scans", "logs", "accounts"}
    assert "не удаляет" in rules["journal"] and "3 г." in rules["contacts"]
    assert "12 мес." in rules["logs"]


def test_nothing_of_a_family_goes_before_its_term(factory, frozen_clock):
    _prepare(factory, frozen_clock)
    with unit_of_work(factory, SYSTEM) as session:
        report = _run(session, on=date(2027, 6, 15), apply=False)
    assert report.counts["contacts"] == 0 and report.counts["scans"] == 0
    assert report.counts["logs"] == 1  # the login of January 2025


def test_three_years_after_the_leavers_their_families_contacts_and_scans_go(
    factory, frozen_clock
):
    guardian_id = _prepare(factory, frozen_clock)
    frozen_clock.move_to(datetime(2030, 6, 15, 7, 0, tzinfo=UTC))
    with unit_of_work(factory, SYSTEM) as session:
        dry = _run(session, on=date(2030, 6, 15), apply=False)
        assert session.get(Guardian, guardian_id).email == "leaver.parent@mail.example"
    assert dry.counts["contacts"] >= 1 and dry.counts["scans"] == 1
    assert dry.counts["accounts"] > 0  # the leavers' block day (31.08.2027) has passed
    with unit_of_work(factory, SYSTEM) as session:
        done = _run(session, on=date(2030, 6, 15), apply=True)
    assert done.counts == dry.counts
    assert "удалено" in "\n".join(done.describe())
    with unit_of_work(factory, SYSTEM) as session:
        guardian = session.get(Guardian, guardian_id)
        assert guardian.email is None and guardian.phone is None
        assert guardian.last_name  # the name stays: the journal and the register name it
        assert session.scalar(select(func.count(ConsentScan.id))) == 0
        entry = session.scalars(
            select(ConsentEntry)
            .where(ConsentEntry.guardian_id == guardian_id)
            .order_by(ConsentEntry.id.desc())
        ).first()
        assert entry.scan_id is None and entry.state is ConsentState.GIVEN
        assert session.scalar(select(func.count(ActivityLog.id))) == 0
        rows = session.scalars(select(AuditLog).where(AuditLog.reason.contains("152-ФЗ"))).all()
        entities = {row.entity for row in rows}
        assert {"guardian", "consent_scan", "consent_entry", "activity_log"} <= entities
        # The removed address survives nowhere, the audit log's earlier rows included.
        every_change = [str(row.changes) for row in session.scalars(select(AuditLog))]
        assert not any("leaver.parent@mail.example" in text for text in every_change)
    with unit_of_work(factory, SYSTEM) as session:
        again = _run(session, on=date(2030, 6, 15), apply=True)
    assert again.counts == {"contacts": 0, "scans": 0, "logs": 0, "accounts": 0}


def test_the_command_says_what_it_would_remove_and_then_removes_it(
    database_url, factory, frozen_clock, capsys
):
    _prepare(factory, frozen_clock)
    assert main(["--database-url", database_url, "retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Сроки хранения" in out and "будет удалено 1" in out
    assert main(["--database-url", database_url, "retention", "--apply"]) == 0
    assert "удалено 1" in capsys.readouterr().out
    with factory() as session:
        assert session.scalar(select(func.count(ActivityLog.id))) == 0
