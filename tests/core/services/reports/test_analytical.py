"""The analytical report of a class: figures by hand, and who may generate it."""

from __future__ import annotations

import pytest

from klassruk.errors import PermissionDenied
from klassruk.services.reports import analytical
from klassruk.services.reports.analytical import analytical_report
from klassruk.services.reports.metrics import MarkCounts, Metrics
from klassruk.services.reports.sending import send_to_all_classes
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


@pytest.mark.parametrize("login", ["ct_a", "teacher_a", "parent_a", "pupil_a", "admin"])
def test_only_the_deputy_head_generates_and_sends(session, known, login):
    actor = act_as(session, login)
    with pytest.raises(PermissionDenied):
        analytical_report(session, actor, class_id=known.school.class_a,
                          period_id=known.period_id, on=TODAY)
    with pytest.raises(PermissionDenied):
        send_to_all_classes(session, actor, period_id=known.period_id, on=TODAY)


def test_the_school_wide_reading_gives_the_same_report(session, known, monkeypatch):
    """Many classes read the grades by lesson date, not by pupil: the same numbers."""
    by_pupil = _report(session, known)
    monkeypatch.setattr(analytical, "FEW_CLASSES", 0)
    assert _report(session, known) == by_pupil
