"""The class teacher's read-only class journal: SQL aggregates, at-risk, scope."""

from __future__ import annotations

from datetime import date

import pytest

from klassruk.errors import PermissionDenied
from klassruk.models.school import Subject, TeachingAssignment
from klassruk.services import journal
from klassruk.services.class_journal.card import student_card
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.class_journal.summary import class_summary, subject_drilldown
from klassruk.services.scope.journals import may_write_journal
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.slots import add_slot
from tests.factories import SYSTEM, actor_of
from tests.schools.journal_school import build_journal_school, set_cells


@pytest.fixture
def school(session):
    school = build_journal_school(session)
    # Russian in 7А taught by the class teacher herself, on Tuesdays.
    russian = Subject(name="Русский язык", short_name="Рус")
    session.add(russian)
    session.flush()
    ct_staff = actor_of(session, "ct_a").staff_id
    session.add(
        TeachingAssignment(
            staff_id=ct_staff, subject_id=russian.id, group_id=school.two.group_a, hours_per_week=4
        )
    )
    add_slot(
        session,
        SYSTEM,
        group_id=school.two.group_a,
        subject_id=russian.id,
        staff_id=ct_staff,
        weekday=2,
        lesson_number=1,
    )
    generate_lessons(
        session, SYSTEM, starts_on=date(2026, 9, 7), ends_on=date(2026, 9, 30)
    )
    teacher = actor_of(session, "teacher_a")
    a, b = school.two.student_a, school.student_a2
    l1, l2, l3 = school.lessons[:3]
    set_cells(
        session,
        teacher,
        {(a, l1): "5 4д", (a, l2): "3к", (b, l1): "2", (b, l2): "Н", (b, l3): "2к Б"},
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=school.open_period,
    )
    journal.set_period_grades(
        session,
        teacher,
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=school.open_period,
        values={a: 4},
        expected={a: None},
    )
    grid = journal.read_journal(
        session,
        actor_of(session, "ct_a"),
        group_id=school.two.group_a,
        subject_id=russian.id,
        period_id=school.open_period,
    )
    set_cells(
        session,
        actor_of(session, "ct_a"),
        {(a, grid.lessons[0].lesson_id): "5"},
        group_id=school.two.group_a,
        subject_id=russian.id,
        period_id=school.open_period,
    )
    return school, russian.id


def test_summary_students_by_subjects_with_weighted_averages(session, school):
    school, russian = school
    ct = actor_of(session, "ct_a")
    summary = class_summary(
        session, ct, class_id=school.two.class_a, period_id=school.open_period
    )
    a, b = school.two.student_a, school.student_a2
    assert [name for _, name in summary.subjects] == ["Математика", "Русский язык"]
    assert [name for _, name in summary.students] == ["Белова Анна", "Орлов Пётр"]
    math_a = summary.cells[(a, school.math)]
    assert math_a.average == pytest.approx(4.0)
    assert math_a.weighted_average == pytest.approx(3.75)  # (5 + 4 + 3·2) / 4
    assert (math_a.grades, math_a.period_grade, math_a.absences) == (3, 4, 0)
    math_b = summary.cells[(b, school.math)]
    assert (math_b.weighted_average, math_b.absences) == (2.0, 2)
    assert summary.cells[(a, russian)].weighted_average == 5.0
    assert summary.totals[a][1] == 4
    assert [r.student_id for r in summary.at_risk] == [b]
    assert "Математика" in summary.at_risk[0].reasons


def test_drilldown_is_the_teachers_grid_and_student_card_covers_all_subjects(session, school):
    school, _ = school
    ct = actor_of(session, "ct_a")
    grids = subject_drilldown(
        session,
        ct,
        class_id=school.two.class_a,
        subject_id=school.math,
        period_id=school.open_period,
    )
    assert len(grids) == 1
    teacher_grid = journal.read_journal(
        session,
        actor_of(session, "teacher_a"),
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=school.open_period,
    )
    assert grids[0].cells == teacher_grid.cells
    card = student_card(
        session, ct, class_id=school.two.class_a, student_id=school.two.student_a,
        period_id=school.open_period,
    )
    assert [s.subject for s in card.subjects] == ["Математика", "Русский язык"]
    assert card.subjects[0].marks == "5 4 3к"
    assert card.weighted_average == pytest.approx((5 + 4 + 3 * 2 + 5) / 5)
    assert sum(p.grades for p in card.weekly) == 4
    assert card.distribution == {1: 0, 2: 0, 3: 1, 4: 1, 5: 2}


def test_chart_data_is_aggregated_by_subject_value_week_and_mark(session, school):
    school, _ = school
    charts = class_charts(
        session,
        actor_of(session, "ct_a"),
        class_id=school.two.class_a,
        period_id=school.open_period,
    )
    assert {s.subject: s.grades for s in charts.subject_averages} == {
        "Математика": 5,
        "Русский язык": 1,
    }
    assert charts.distribution == {1: 0, 2: 2, 3: 1, 4: 1, 5: 2}
    assert [p.week_start for p in charts.weekly] == [date(2026, 9, 7), date(2026, 9, 14)]
    assert sum(p.grades for p in charts.weekly) == 6
    assert {(p.mark.value, p.count) for p in charts.attendance} == {("Н", 1), ("Б", 1)}


def test_scope_own_class_only(session, school):
    school, _ = school
    deputy = actor_of(session, "zavuch")
    assert class_summary(
        session, deputy, class_id=school.two.class_a, period_id=school.open_period
    ).students
    for login in ("ct_b", "teacher_a", "parent_a"):
        actor = actor_of(session, login)
        with pytest.raises(PermissionDenied):
            class_summary(
                session, actor, class_id=school.two.class_a, period_id=school.open_period
            )
        # Neither 7А's pupil through 7А, nor through the class the actor may hold (8Б).
        for class_id in (school.two.class_a, school.two.class_b):
            with pytest.raises(PermissionDenied):
                student_card(
                    session, actor, class_id=class_id, student_id=school.two.student_a,
                    period_id=school.open_period,
                )


def test_class_teacher_writes_own_subject_but_not_others(session, school):
    school, russian = school
    ct = actor_of(session, "ct_a")
    a = school.two.student_a
    assert may_write_journal(session, ct, group_id=school.two.group_a, subject_id=russian)
    with pytest.raises(PermissionDenied):
        journal.add_grade(session, ct, lesson_id=school.lessons[0], student_id=a, value=5)
