"""The activity and acknowledgement report against a class whose families' history is known."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from klassruk.errors import PermissionDenied
from klassruk.models import (
    AckChannel,
    AckKind,
    Acknowledgement,
    FamilyActivity,
    FamilyEvent,
    Guardian,
    GuardianLink,
    Relation,
    ReportingPeriod,
    UserAccount,
)
from klassruk.models.journal import PeriodGrade, Recommendation
from klassruk.models.notifications import Channel, DeliveryStatus, Notification, NotificationKind
from klassruk.services.delivery import Route
from klassruk.services.reports.activity import (
    AccountState,
    Flag,
    activity_report,
    classes_compared,
)
from tests.factories import act_as, build_two_classes
from tests.frozen import TODAY

STARTS, ENDS = date(2026, 11, 9), date(2026, 11, 30)


def _ack(session, guardian_id, student_id, week, channel, at):
    session.add(Acknowledgement(guardian_id=guardian_id, student_id=student_id,
                                kind=AckKind.WEEK, week_start=week, shown={}, digest="0" * 64,
                                channel=channel, acknowledged_at=at))


@pytest.fixture
def school(session):
    school = build_two_classes(session)
    mother = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
    assert mother is not None and mother.guardian_id is not None
    mother.last_login_at = datetime(2026, 11, 27, 16, tzinfo=UTC)
    father = Guardian(last_name="Орлов", first_name="Игорь")
    former = Guardian(last_name="Орлова", first_name="Анна")
    session.add_all([father, former])
    session.flush()
    session.add_all([
        GuardianLink(guardian_id=father.id, student_id=school.student_a, relation=Relation.FATHER),
        GuardianLink(guardian_id=former.id, student_id=school.student_a,
                     relation=Relation.GUARDIAN, ends_on=date(2026, 10, 1)),
    ])
    week = date(2026, 11, 23)

    def event(kind, section=None, class_id=school.class_a, on_week=week):
        session.add(FamilyActivity(week_start=on_week, user_id=mother.id,
                                   student_id=school.student_a, class_id=class_id, event=kind,
                                   section=section))

    event(FamilyEvent.LOGIN)
    event(FamilyEvent.LOGIN)
    event(FamilyEvent.SCREEN, "grades")
    event(FamilyEvent.SCREEN, "grades")
    event(FamilyEvent.SCREEN, "homework")
    event(FamilyEvent.LOGIN, on_week=date(2026, 11, 2))  # before the chosen weeks
    _ack(session, mother.guardian_id, school.student_a, date(2026, 11, 16), AckChannel.WEB,
         datetime(2026, 11, 21, 10, tzinfo=UTC))
    _ack(session, mother.guardian_id, school.student_a, week, AckChannel.PAPER,
         datetime(2026, 11, 25, 10, tzinfo=UTC))
    period = ReportingPeriod(school_year_id=1, name="1 четверть", starts_on=date(2026, 9, 1),
                             ends_on=date(2026, 10, 31))
    session.add(period)
    session.flush()
    grade = PeriodGrade(period_id=period.id, student_id=school.student_a, subject_id=1,
                        group_id=school.group_a, value=4, set_by="t")
    advice = Recommendation(student_id=school.student_a, subject_id=1, text="Читать больше",
                            created_by="t")
    session.add_all([grade, advice])
    session.flush()
    # The mother signed the recommendation, not the period grade; the father signed nothing.
    session.add(Acknowledgement(guardian_id=mother.guardian_id, student_id=school.student_a,
                                kind=AckKind.RECOMMENDATION, item_id=advice.id, shown={},
                                digest="0" * 64, channel=AckChannel.EMAIL_LINK,
                                acknowledged_at=datetime(2026, 11, 24, tzinfo=UTC)))
    session.flush()
    return school


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


def test_classes_compared_for_the_deputy_head(session, school):
    compared = classes_compared(session, act_as(session, "zavuch"), starts_on=STARTS,
                                ends_on=ENDS, on=TODAY)
    assert [(c.class_name, [r.acknowledged for r in c.rates]) for c in compared] == [
        ("7А", [0, 1, 1, 0]), ("8Б", [0, 0, 0, 0])]
    with pytest.raises(PermissionDenied):
        classes_compared(session, act_as(session, "ct_a"), starts_on=STARTS, ends_on=ENDS,
                         on=TODAY)


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
