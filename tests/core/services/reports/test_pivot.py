"""Ad-hoc analysis over the class of known grades (school.py): SQL pivots by hand."""

from __future__ import annotations

from datetime import date

import pytest

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.school import Guardian
from klassruk.services.reports.pivot import Dimension, Filters, Measure, pivot
from tests.core.services.reports.school import build_known_class
from tests.factories import act_as
from tests.frozen import TODAY


@pytest.fixture
def known(session):
    return build_known_class(session)


def _pivot(session, measure, rows, columns=None, login="zavuch", **filters):
    return pivot(session, act_as(session, login), measure=measure, rows=rows, columns=columns,
                 filters=Filters(**filters), on=TODAY)


def test_average_quality_success_and_count_by_class_and_subject(session, known):
    # 7А maths: Орлов 5, Гусев 3 and 2 → n5=1, n3=1, n2=1; Russian: Васин 4, 5, 3; 8Б: one «1».
    expected = {
        Measure.AVERAGE: {("7А", "Математика"): 3.33, ("7А", "Русский язык"): 4.0,
                          ("8Б", "Математика"): 1.0},
        Measure.QUALITY: {("7А", "Математика"): 33.3, ("7А", "Русский язык"): 66.7,
                          ("8Б", "Математика"): 0.0},
        Measure.SUCCESS: {("7А", "Математика"): 66.7, ("7А", "Русский язык"): 100.0,
                          ("8Б", "Математика"): 0.0},
        Measure.GRADES: {("7А", "Математика"): 3, ("7А", "Русский язык"): 3,
                         ("8Б", "Математика"): 1},
    }
    for measure, cells in expected.items():
        result = _pivot(session, measure, Dimension.CLASS, Dimension.SUBJECT)
        assert (result.rows, result.columns) == (["7А", "8Б"], ["Математика", "Русский язык"])
        assert result.cells == cells, measure


def test_other_dimensions_and_filters(session, known):
    by_week = _pivot(session, Measure.GRADES, Dimension.WEEK, Dimension.GRADE_LEVEL)
    assert by_week.cells == {("09.11.2026", "7 классы"): 6, ("09.11.2026", "8 классы"): 1}
    by_teacher = _pivot(session, Measure.GRADES, Dimension.TEACHER, Dimension.PERIOD)
    assert by_teacher.cells == {("Teacher_A Анна", "2 четверть"): 7}
    only_maths = _pivot(session, Measure.AVERAGE, Dimension.CLASS,
                        subject_ids=[known.math_id], class_ids=[known.school.class_a])
    assert only_maths.cells == {("7А", "Всего"): 3.33}
    absences = _pivot(session, Measure.ABSENCES, Dimension.CLASS, Dimension.SUBJECT)
    assert absences.cells == {("7А", "Математика"): 3}  # the lateness is not a miss


def test_acknowledgement_rate_by_week_and_class(session, known):
    mother = session.query(Guardian).filter_by(last_name="Орлова").one()
    session.add(Acknowledgement(guardian_id=mother.id, student_id=known.school.student_a,
                                kind=AckKind.WEEK, week_start=date(2026, 11, 9), shown={},
                                digest="0" * 64, channel=AckChannel.PAPER))
    session.flush()
    result = _pivot(session, Measure.ACK_RATE, Dimension.WEEK, Dimension.CLASS,
                    period_ids=[known.period_id])
    assert result.rows == ["02.11.2026", "09.11.2026", "16.11.2026", "23.11.2026", "30.11.2026"]
    assert result.cells[("09.11.2026", "7А")] == 100.0
    assert result.cells[("16.11.2026", "7А")] == 0.0
    assert result.cells[("09.11.2026", "8Б")] == 0.0
    with pytest.raises(DomainError, match="только по классам"):
        _pivot(session, Measure.ACK_RATE, Dimension.SUBJECT)


def test_same_rows_and_columns_refused(session, known):
    with pytest.raises(DomainError):
        _pivot(session, Measure.GRADES, Dimension.CLASS, Dimension.CLASS)


@pytest.mark.parametrize("login", ["ct_a", "teacher_a", "parent_a", "pupil_a"])
def test_only_admin_and_deputy_head(session, known, login):
    with pytest.raises(PermissionDenied):
        _pivot(session, Measure.GRADES, Dimension.CLASS, login=login)
    assert _pivot(session, Measure.GRADES, Dimension.CLASS, login="admin").rows == ["7А", "8Б"]
