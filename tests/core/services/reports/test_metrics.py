"""The school metrics against hand-computed figures (see school.py for the class)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.models.journal import Grade, GradeKind, Lesson
from klassruk.models.school import Enrolment, ReportingPeriod
from klassruk.services.reports.metrics import (
    MarkCounts,
    Metrics,
    class_metrics,
    metrics_of,
    period_marks,
    standing_of,
)
from tests.core.services.reports.school import build_known_class


def test_subject_metrics_by_the_formulas():
    # n5=2, n4=1, n3=1, n2=1: success 4/5, quality 3/5,
    # СОУ (2·1 + 0,64 + 0,36 + 0,16) / 5 = 63,2 %, average 19/5.
    assert metrics_of(MarkCounts(n5=2, n4=1, n3=1, n2=1)) == Metrics(5, 80.0, 60.0, 63.2, 3.8)
    # n5=1, n4=3, n3=1: (1 + 1,92 + 0,36) / 5 = 65,6 %, average 20/5.
    assert metrics_of(MarkCounts(n5=1, n4=3, n3=1)) == Metrics(5, 100.0, 80.0, 65.6, 4.0)
    # A «1» weighs 0,08: (0,36 + 0,16 + 0,08) / 3 = 20 %; success 1/3 = 33,3 %; average 6/3.
    assert metrics_of(MarkCounts(n3=1, n2=1, n1=1)) == Metrics(3, 33.3, 0.0, 20.0, 2.0)


def test_no_marks_give_no_figures():
    assert metrics_of(MarkCounts()) == Metrics(0, None, None, None, None)
    assert class_metrics([MarkCounts(), MarkCounts()]) == Metrics(0, None, None, None, None)


def test_class_metrics_count_pupils_for_success_and_quality():
    pupils = [
        MarkCounts(n5=2), MarkCounts(n5=1, n4=1), MarkCounts(n4=2),
        MarkCounts(n4=1, n3=1), MarkCounts(n3=1, n2=1), MarkCounts(),
    ]
    # 5 pupils with marks (the sixth is not attested); 4 without «2»; 3 with only «4»/«5».
    # All 10 marks: n5=3, n4=4, n3=2, n2=1 → СОУ (3 + 2,56 + 0,72 + 0,16) / 10 = 64,4 %.
    assert class_metrics(pupils) == Metrics(5, 80.0, 60.0, 64.4, 3.9)


@pytest.mark.parametrize(
    ("counts", "lists"),
    [
        (MarkCounts(n5=7), {"excellent"}),
        (MarkCounts(n5=6, n4=1), {"good", "one_four"}),
        (MarkCounts(n5=3, n4=4), {"good"}),
        (MarkCounts(n5=3, n4=3, n3=1), {"one_three"}),
        (MarkCounts(n5=3, n3=2), set()),
        (MarkCounts(n5=6, n2=1), {"failing"}),
        (MarkCounts(n3=1, n1=1), {"failing"}),
        (MarkCounts(), set()),
    ],
)
def test_standing_lists(counts, lists):
    standing = standing_of(counts)
    assert {name for name, value in vars(standing).items() if value} == lists


def test_period_marks_prefer_the_period_grade_and_round_averages_half_up(session):
    known = build_known_class(session)
    period = session.get(ReportingPeriod, known.period_id)
    assert period is not None
    # Two more pupils' averages exactly on the boundaries: 4,5 → «5», 3,5 → «4».
    lesson = session.scalar(select(Lesson).where(Lesson.subject_id == known.russian_id))
    assert lesson is not None
    for value, weight in ((4, 1.0), (5, 1.0)):
        session.add(Grade(lesson_id=lesson.id, student_id=known.school.student_b, value=value,
                          kind=GradeKind.CLASSWORK, weight=weight, created_by="t"))
    students = select(Enrolment.student_id).where(Enrolment.class_id == known.school.class_a)
    marks = period_marks(students, period)
    found = {(row.student_id, row.subject_id): row.mark for row in session.execute(select(marks))}
    assert found[(known.pupils["Васин"], known.russian_id)] == 4
    assert found[(known.pupils["Гусев"], known.math_id)] == 3
    assert found[(known.pupils["Дронов"], known.math_id)] == 2
    assert len(found) == 10
    everyone = select(Enrolment.student_id)
    edge = period_marks(everyone, period)
    rows = {(r.student_id, r.subject_id): r.mark for r in session.execute(select(edge))}
    assert rows[(known.school.student_b, known.russian_id)] == 5
    # The same rule at 3,5.
    session.add(Grade(lesson_id=lesson.id, student_id=known.school.student_b, value=3,
                      kind=GradeKind.CLASSWORK, weight=1.0, created_by="t"))
    session.add(Grade(lesson_id=lesson.id, student_id=known.school.student_b, value=2,
                      kind=GradeKind.CLASSWORK, weight=1.0, created_by="t"))
    # (4 + 5 + 3 + 2) / 4 = 3,5 → «4».
    rows = {(r.student_id, r.subject_id): r.mark for r in session.execute(select(edge))}
    assert rows[(known.school.student_b, known.russian_id)] == 4
