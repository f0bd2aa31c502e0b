"""The activity and acknowledgement report against a class whose families' history is known."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from klassruk.errors import PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckChannel
from klassruk.models.notifications import Channel, DeliveryStatus, Notification, NotificationKind
from klassruk.services.delivery import Route
from klassruk.services.reports.activity import (
    AccountState,
    Flag,
    activity_report,
)
from tests.core.services.reports.families import ENDS, STARTS, build_activity_school
from tests.factories import act_as
from tests.frozen import TODAY


@pytest.fixture
def school(session):
    return build_activity_school(session)


def _report(session, school, login="ct_a"):
    return activity_report(session, act_as(session, login), class_id=school.class_a,
                           starts_on=STARTS, ends_on=ENDS, on=TODAY)


def test_each_guardian_with_account_activity_and_acknowledgements(session, school):
    report = _report(session, school)
    assert report.weeks == [date(2026, 11, d) for d in (9, 16, 23, 30)]
    by_name = {row.guardian: row for row in report.rows}
    assert set(by_name) == {"Орлова Елена", "Орлов Игорь"}  # not the former guardian, not 8Б
    mother = by_name["Орлова Елена"]
    assert mother.account is AccountState.ACTIVE
    assert (mother.logins, mother.screens, mother.sections) == (2, 3, ("домашние задания",
                                                                       "оценки"))
    assert (mother.weeks_acknowledged, mother.weeks_pending) == (2, 2)
    assert mother.channels == {AckChannel.WEB: 1, AckChannel.PAPER: 1, AckChannel.EMAIL_LINK: 1}
    assert mother.pending_items == 1  # the period grade
    assert mother.flags == (Flag.PENDING_ITEMS,)
    assert (mother.consent, mother.route) == ("не запрашивалось", Route.PAPER)
    father = by_name["Орлов Игорь"]
    assert father.account is AccountState.NO_ACCOUNT
    assert (father.logins, father.weeks_acknowledged, father.pending_items) == (0, 0, 2)
    assert father.flags == (Flag.NEVER_LOGGED_IN, Flag.SILENT, Flag.PENDING_ITEMS)


def test_the_class_rate_by_week(session, school):
    report = _report(session, school)
    assert [(r.week_start.day, r.acknowledged, r.families, r.rate) for r in report.rates] == [
        (9, 0, 2, 0.0), (16, 1, 2, 50.0), (23, 1, 2, 50.0), (30, 0, 2, 0.0)]


def test_silent_after_two_weeks(session, school, frozen_clock):
    report = activity_report(session, act_as(session, "zavuch"), class_id=school.class_a,
                             starts_on=STARTS, ends_on=ENDS, on=date(2026, 12, 9))
    mother = next(row for row in report.rows if row.guardian == "Орлова Елена")
    assert Flag.SILENT in mother.flags


@pytest.mark.parametrize("login", ["ct_b", "teacher_a", "parent_a", "pupil_a"])
def test_refuses_another_class_teacher_and_families(session, school, login):
    with pytest.raises(PermissionDenied):
        _report(session, school, login)


def test_admin_and_deputy_head_see_any_class(session, school):
    assert len(_report(session, school, "admin").rows) == 2
    assert len(_report(session, school, "zavuch").rows) == 2


def test_deliveries_in_the_weeks_are_counted_and_failures_flagged(session, school):
    mother = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))

    def sent(status, at):
        session.add(Notification(
            user_id=mother.id, channel=Channel.EMAIL, kind=NotificationKind.EVENTS,
            address="orlova@mail.example", subject="Оценка", body_text="5", status=status,
            created_at=at,
        ))

    sent(DeliveryStatus.SENT, datetime(2026, 11, 10, 15, tzinfo=UTC))
    sent(DeliveryStatus.SENT, datetime(2026, 11, 24, 15, tzinfo=UTC))
    sent(DeliveryStatus.FAILED, datetime(2026, 11, 25, 15, tzinfo=UTC))
    sent(DeliveryStatus.PENDING, datetime(2026, 11, 26, 15, tzinfo=UTC))  # not yet an outcome
    sent(DeliveryStatus.FAILED, datetime(2026, 11, 2, 15, tzinfo=UTC))  # before the weeks
    session.flush()
    by_name = {row.guardian: row for row in _report(session, school).rows}
    mother_row = by_name["Орлова Елена"]
    assert (mother_row.notifications_sent, mother_row.notifications_failed) == (2, 1)
    assert Flag.FAILED_DELIVERY in mother_row.flags
    father_row = by_name["Орлов Игорь"]
    assert (father_row.notifications_sent, father_row.notifications_failed) == (0, 0)
    assert Flag.FAILED_DELIVERY not in father_row.flags
