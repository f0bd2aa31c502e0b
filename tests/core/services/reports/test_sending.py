"""Sending the analytical report: snapshots, the class teacher reads it, the deputy head sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import NotFound, PermissionDenied
from klassruk.models.reports import SentReport
from klassruk.services.reports.metrics import Metrics
from klassruk.services.reports.sending import (
    from_snapshot,
    mark_read,
    open_sent_report,
    send_analytical_report,
    send_to_all_classes,
    sent_reports,
    to_snapshot,
)
from tests.core.services.reports.school import build_known_class
from tests.core.services.reports.test_analytical import _report
from tests.factories import act_as
from tests.frozen import TODAY


@pytest.fixture
def known(session):
    return build_known_class(session)


def test_snapshot_round_trips(session, known):
    report = _report(session, known)
    assert from_snapshot(to_snapshot(report)) == report


def test_send_read_and_see_who_read(session, known):
    zavuch = act_as(session, "zavuch")
    report_id = send_analytical_report(session, zavuch, class_id=known.school.class_a,
                                       period_id=known.period_id, on=TODAY)
    [row] = sent_reports(session, zavuch)
    assert (row.class_name, row.period, row.read_at) == ("7А", "2 четверть", None)
    ct_a = act_as(session, "ct_a")
    assert [r.report_id for r in sent_reports(session, ct_a, unread_only=True)] == [report_id]
    # The deputy head looking at it again does not mark it read.
    act_as(session, "zavuch")
    open_sent_report(session, zavuch, report_id=report_id)
    assert mark_read(session, zavuch, report_id=report_id) is False
    assert session.scalar(select(SentReport.read_at)) is None
    ct_a = act_as(session, "ct_a")
    opened = open_sent_report(session, ct_a, report_id=report_id)
    assert opened.overall == Metrics(5, 80.0, 60.0, 64.4, 3.9)
    assert mark_read(session, ct_a, report_id=report_id) is True
    assert mark_read(session, ct_a, report_id=report_id) is False  # the first reading stays
    assert sent_reports(session, ct_a, unread_only=True) == []
    [row] = sent_reports(session, act_as(session, "zavuch"))
    assert row.read_at is not None and row.read_by == "Ct_A"


def test_the_sent_numbers_stay_as_sent(session, known):
    zavuch = act_as(session, "zavuch")
    report_id = send_analytical_report(session, zavuch, class_id=known.school.class_a,
                                       period_id=known.period_id, on=TODAY)
    sent = session.get(SentReport, report_id)
    assert sent is not None
    sent.snapshot = {**sent.snapshot, "class_name": "7А (изменено)"}
    session.flush()
    assert open_sent_report(session, zavuch, report_id=report_id).class_name == "7А (изменено)"


def test_send_to_all_classes(session, known):
    zavuch = act_as(session, "zavuch")
    assert send_to_all_classes(session, zavuch, period_id=known.period_id, on=TODAY) == 2
    assert {row.class_name for row in sent_reports(session, zavuch)} == {"7А", "8Б"}
    ct_a = act_as(session, "ct_a")
    assert {row.class_name for row in sent_reports(session, ct_a)} == {"7А"}


def test_another_class_teacher_and_families_cannot_open_a_sent_report(session, known):
    zavuch = act_as(session, "zavuch")
    report_id = send_analytical_report(session, zavuch, class_id=known.school.class_a,
                                       period_id=known.period_id, on=TODAY)
    ct_b = act_as(session, "ct_b")
    with pytest.raises(NotFound):
        open_sent_report(session, ct_b, report_id=report_id)
    with pytest.raises(NotFound):
        mark_read(session, ct_b, report_id=report_id)
    assert sent_reports(session, ct_b) == []
    for login in ("parent_a", "pupil_a", "teacher_a"):
        actor = act_as(session, login)
        with pytest.raises(PermissionDenied):
            open_sent_report(session, actor, report_id=report_id)
        with pytest.raises(PermissionDenied):
            mark_read(session, actor, report_id=report_id)
        with pytest.raises(PermissionDenied):
            sent_reports(session, actor)
    assert session.scalar(select(SentReport.read_at)) is None
