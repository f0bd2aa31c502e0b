"""The analytical report of a class: figures by hand, sending, reading, and who may see it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import NotFound, PermissionDenied
from klassruk.models.reports import SentReport
from klassruk.services.reports import analytical
from klassruk.services.reports.analytical import (
    analytical_report,
    from_snapshot,
    mark_read,
    open_sent_report,
    send_analytical_report,
    send_to_all_classes,
    sent_reports,
    to_snapshot,
)
from klassruk.services.reports.metrics import MarkCounts, Metrics
from tests.core.services.reports.school import build_known_class
from tests.factories import act_as
from tests.frozen import TODAY


@pytest.fixture
def known(session):
    return build_known_class(session)


def _report(session, known):
    zavuch = act_as(session, "zavuch")
    return analytical_report(session, zavuch, class_id=known.school.class_a,
                             period_id=known.period_id, on=TODAY)


def test_subject_and_overall_metrics(session, known):
    report = _report(session, known)
    math, russian = report.subjects
    assert (math.subject, russian.subject) == ("Математика", "Русский язык")
    assert math.counts == MarkCounts(n5=2, n4=1, n3=1, n2=1)
    assert math.current == Metrics(5, 80.0, 60.0, 63.2, 3.8)
    # 1 четверть: n5=1, n4=2, n3=2 → СОУ (1 + 1,28 + 0,72) / 5 = 60 %.
    assert math.previous == Metrics(5, 100.0, 60.0, 60.0, 3.8)
    assert russian.current == Metrics(5, 100.0, 80.0, 65.6, 4.0)
    assert russian.previous is None
    assert math.teachers == "Teacher_A А.И."
    # Pupils: 4 of 5 without «2», 3 of 5 with only «4»/«5»; marks n5=3, n4=4, n3=2, n2=1.
    assert report.overall == Metrics(5, 80.0, 60.0, 64.4, 3.9)
    assert report.previous_overall == Metrics(5, 100.0, 60.0, 60.0, 3.8)
    assert report.previous_period == "1 четверть"


def test_lists_by_name(session, known):
    report = _report(session, known)
    assert report.excellent == ["Орлов Пётр"]
    assert report.good == ["Белов Иван", "Васин Иван"]
    assert report.one_four == ["Белов Иван"]
    assert report.one_three == ["Гусев Иван"]
    assert report.failing == ["Дронов Иван"]


def test_pupils_attendance_dynamics_and_risk(session, known):
    report = _report(session, known)
    by_name = {line.name: line for line in report.students}
    assert "Зайцева Мария" not in by_name
    dronov = by_name["Дронов Иван"]
    assert (dronov.missed, dronov.excused) == (3, 2)
    assert (report.missed, report.excused) == (3, 2)
    assert dronov.risk == "неудовлетворительно: Математика"
    assert [name for name, _ in report.at_risk] == ["Дронов Иван"]
    math = {s.subject: s for s in dronov.subjects}["Математика"]
    assert (math.mark, math.previous_mark, math.dynamics, math.missed) == (2, 3, "ниже", 3)
    orlov = {s.subject: s for s in by_name["Орлов Пётр"].subjects}["Математика"]
    assert (orlov.grades, orlov.period_grade, orlov.dynamics) == ("5", 5, "выше")
    vasin = {s.subject: s for s in by_name["Васин Иван"].subjects}["Русский язык"]
    assert (vasin.grades, vasin.average, vasin.period_grade, vasin.mark) == ("4 5 3", 4.25, None, 4)
    gusev = by_name["Гусев Иван"]
    # All of Гусев's grades: (3 + 2·2) / 3.
    assert gusev.average == 2.33


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


@pytest.mark.parametrize("login", ["ct_a", "teacher_a", "parent_a", "pupil_a", "admin"])
def test_only_the_deputy_head_generates_and_sends(session, known, login):
    actor = act_as(session, login)
    with pytest.raises(PermissionDenied):
        analytical_report(session, actor, class_id=known.school.class_a,
                          period_id=known.period_id, on=TODAY)
    with pytest.raises(PermissionDenied):
        send_to_all_classes(session, actor, period_id=known.period_id, on=TODAY)


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


def test_the_school_wide_reading_gives_the_same_report(session, known, monkeypatch):
    """Many classes read the grades by lesson date, not by pupil: the same numbers."""
    by_pupil = _report(session, known)
    monkeypatch.setattr(analytical, "FEW_CLASSES", 0)
    assert _report(session, known) == by_pupil
