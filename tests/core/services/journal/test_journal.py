"""The subject teacher's journal: scope, read-only class teacher, history, closed periods."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeChange,
    GradeKind,
    PeriodGrade,
    PeriodGradeChange,
    Recommendation,
)
from klassruk.services import journal
from klassruk.services.scope.journals import may_write_journal
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import build_journal_school, set_cells


@pytest.fixture
def school(session):
    return build_journal_school(session)


def _grid(session, school, actor, period=None):
    return journal.read_journal(
        session,
        actor,
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=period or school.open_period,
    )


def _save(session, school, actor, cells, reason="", period=None):
    return set_cells(
        session,
        actor,
        cells,
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=period or school.open_period,
        reason=reason,
    )


def _period_grades(session, school, actor, values, reason=""):
    return journal.set_period_grades(
        session,
        actor,
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=school.open_period,
        values=values,
        expected=_shown_period_grades(session, school, values),
        reason=reason,
    )


def _shown_period_grades(session, school, values):
    shown = {s.student_id: s.period_grade for s in _grid(session, school, SYSTEM).students}
    return {student_id: shown.get(student_id) for student_id in values}


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_parse_cell_accepts_grades_kinds_and_marks():
    cell = journal.parse_cell(" 5 4д, 3к ")
    assert cell.grades == ((5, GradeKind.CLASSWORK), (4, GradeKind.HOMEWORK), (3, GradeKind.TEST))
    assert journal.parse_cell("н").absence is AbsenceMark.ABSENT
    assert journal.parse_cell("ОП 5").absence is AbsenceMark.LATE
    assert journal.parse_cell("") == journal.Cell()
    assert journal.format_cell(cell.grades, AbsenceMark.ILL) == "Б 5 4д 3к"


@pytest.mark.parametrize(
    "bad", ["6", "5-", "0", "4+", "пять", "5.5", "nan", "NaN", "None", "null", "NULL", "<NA>"]
)
def test_parse_cell_refuses_anything_but_1_to_5(bad):
    with pytest.raises(DomainError, match="не оценка"):
        journal.parse_cell(bad)


def test_weighted_average_is_sum_of_value_times_weight_over_weights():
    assert journal.weighted_average([(5, 1.0), (3, 2.0)]) == pytest.approx(3.67)
    assert journal.weighted_average([]) is None
    assert journal.default_weight(GradeKind.TEST) == 2.0
    assert journal.default_weight(GradeKind.INDEPENDENT) == 1.5


def test_teacher_enters_grades_absences_and_grid_shows_them(session, school):
    teacher = actor_of(session, "teacher_a")
    first, second = school.lessons[:2]
    a, b = school.two.student_a, school.student_a2
    summary = _save(
        session, school, teacher, {(a, first): "5 4д", (b, first): "Н", (a, second): "3к"}
    )
    assert (summary.added, summary.changed, summary.deleted, summary.absences) == (3, 0, 0, 1)
    grid = _grid(session, school, teacher)
    assert [s.name for s in grid.students] == ["Белова Анна", "Орлов Пётр"]
    assert grid.cells[(a, first)] == "5 4д"
    assert grid.cells[(b, first)] == "Н"
    row = next(s for s in grid.students if s.student_id == a)
    # (5·1 + 4·1 + 3·2) / 4
    assert row.weighted_average == pytest.approx(3.75)
    assert row.average == pytest.approx(4.0)
    assert row.grades == 3
    assert next(s for s in grid.students if s.student_id == b).absences == 1
    # The holiday on 16.09 has no lesson; the closed September week is another period.
    assert "16.09" not in [lesson.label for lesson in grid.lessons]
    assert len(grid.lessons) == 7


def test_changing_or_deleting_a_grade_needs_a_reason_and_keeps_history(session, school):
    teacher = actor_of(session, "teacher_a")
    lesson = school.lessons[0]
    a = school.two.student_a
    _save(session, school, teacher, {(a, lesson): "5 4"})
    with pytest.raises(DomainError, match="причину"):
        _save(session, school, teacher, {(a, lesson): "5 3"})
    assert _count(session, GradeChange) == 0
    assert sorted(session.scalars(select(Grade.value))) == [4, 5]

    _save(session, school, teacher, {(a, lesson): "5 3"}, reason="Пересдал работу")
    _save(session, school, teacher, {(a, lesson): "5"}, reason="Ошибочно выставлена")
    history = list(session.scalars(select(GradeChange).order_by(GradeChange.id)))
    assert [(h.old_value, h.new_value, h.reason) for h in history] == [
        (4, 3, "Пересдал работу"),
        (3, None, "Ошибочно выставлена"),
    ]
    assert all(h.changed_by == "teacher_a" and h.changed_at.tzinfo for h in history)
    rows = journal.grade_history(
        session,
        teacher,
        group_id=school.two.group_a,
        subject_id=school.math,
        period_id=school.open_period,
    )
    assert {r.new for r in rows} == {"3", "удалена"}
    # The teacher by name, as every screen names people; the login is not shown.
    assert {r.changed_by for r in rows} == {"Teacher_A"}
    # A change a system process made (the demo's) is named in Russian, not «system:demo».
    for change in history:
        change.changed_by, change.changed_by_user_id = "system:demo", None
    session.flush()
    rows = journal.grade_history(
        session, teacher, group_id=school.two.group_a, subject_id=school.math,
        period_id=school.open_period,
    )
    assert {r.changed_by for r in rows} == {"система (демо-данные)"}
    assert list(session.scalars(select(Grade.value))) == [5]


def test_change_and_delete_grade_functions_keep_history(session, school):
    teacher = actor_of(session, "teacher_a")
    grade = journal.add_grade(
        session, teacher, lesson_id=school.lessons[0], student_id=school.two.student_a, value=4
    )
    with pytest.raises(DomainError, match="причину"):
        journal.change_grade(session, teacher, grade_id=grade.id, value=5, reason=" ")
    journal.change_grade(
        session, teacher, grade_id=grade.id, value=5, kind=GradeKind.TEST, reason="Контрольная"
    )
    assert (grade.value, grade.kind, grade.weight) == (5, GradeKind.TEST, 2.0)
    journal.delete_grade(session, teacher, grade_id=grade.id, reason="Не тот ученик")
    assert _count(session, Grade) == 0
    assert [(h.old_value, h.new_value) for h in session.scalars(select(GradeChange))] == [
        (4, 5),
        (5, None),
    ]


def test_bad_grid_input_saves_nothing_and_names_the_cells(session, school):
    teacher = actor_of(session, "teacher_a")
    first, second = school.lessons[:2]
    a, b = school.two.student_a, school.student_a2
    with pytest.raises(DomainError) as error:
        _save(session, school, teacher, {(a, first): "5", (b, first): "6", (a, second): "5-"})
    message = str(error.value)
    assert "Ничего не сохранено" in message
    assert "«6»" in message and "«5-»" in message
    assert "Белова Анна, 07.09.2026" in message
    assert _count(session, Grade) == 0


@pytest.mark.parametrize("typed", ["nan", "None", "null", "NaN"])
def test_typing_nan_or_none_over_a_grade_keeps_the_grade(session, school, typed):
    teacher = actor_of(session, "teacher_a")
    lesson, a = school.lessons[0], school.two.student_a
    _save(session, school, teacher, {(a, lesson): "5 4д"})
    with pytest.raises(DomainError, match=f"«{typed}» — не оценка"):
        _save(session, school, teacher, {(a, lesson): typed}, reason="Ошибочно")
    assert sorted(session.scalars(select(Grade.value))) == [4, 5]
    assert _count(session, GradeChange) == 0


def test_class_teacher_reads_but_is_refused_any_write(session, school):
    class_teacher = actor_of(session, "ct_a")  # class teacher of 7А, teaches no maths
    lesson = school.lessons[0]
    a = school.two.student_a
    grid = _grid(session, school, class_teacher)
    assert len(grid.students) == 2
    assert not may_write_journal(
        session, class_teacher, group_id=school.two.group_a, subject_id=school.math
    )
    with pytest.raises(PermissionDenied, match="только на просмотр"):
        _save(session, school, class_teacher, {(a, lesson): "5"})
    with pytest.raises(PermissionDenied):
        journal.add_grade(session, class_teacher, lesson_id=lesson, student_id=a, value=5)
    with pytest.raises(PermissionDenied):
        journal.set_absence(
            session, class_teacher, lesson_id=lesson, student_id=a, mark=AbsenceMark.ABSENT
        )
    with pytest.raises(PermissionDenied):
        journal.save_lessons(
            session, class_teacher, updates=[journal.LessonUpdate(lesson, "Дроби", "№ 1", "", "")]
        )
    with pytest.raises(PermissionDenied):
        journal.set_period_grades(
            session,
            class_teacher,
            group_id=school.two.group_a,
            subject_id=school.math,
            period_id=school.open_period,
            values={a: 5},
            expected={a: None},
        )
    with pytest.raises(PermissionDenied):
        journal.add_recommendation(
            session,
            class_teacher,
            group_id=school.two.group_a,
            subject_id=school.math,
            student_id=a,
            text="Повторить дроби",
            on=TODAY,
        )
    assert _count(session, Grade) + _count(session, Absence) + _count(session, PeriodGrade) == 0


def test_other_class_teacher_and_family_cannot_even_read(session, school):
    for login in ("ct_b", "parent_a", "pupil_a"):
        with pytest.raises(PermissionDenied):
            _grid(session, school, actor_of(session, login))


def test_teacher_writes_only_own_groups(session, school):
    teacher = actor_of(session, "teacher_a")
    assert [a.group_id for a in journal.own_assignments(session, teacher)] == [school.two.group_a]
    with pytest.raises(PermissionDenied):
        journal.read_journal(
            session,
            teacher,
            group_id=school.two.group_b,
            subject_id=school.math,
            period_id=school.open_period,
        )
    with pytest.raises(PermissionDenied):
        journal.save_grid(
            session,
            teacher,
            group_id=school.two.group_b,
            subject_id=school.math,
            period_id=school.open_period,
            edits={},
        )
    # A student of another class is not in this lesson.
    with pytest.raises(DomainError, match="не занимается"):
        journal.add_grade(
            session,
            teacher,
            lesson_id=school.lessons[0],
            student_id=school.two.student_b,
            value=5,
        )


def test_closed_period_refuses_teacher_and_lets_deputy_correct_with_reason(session, school):
    teacher = actor_of(session, "teacher_a")
    deputy = actor_of(session, "zavuch")
    a = school.two.student_a
    cells = {(a, school.old_lesson): "4"}
    with pytest.raises(DomainError, match="закрыт"):
        _save(session, school, teacher, cells, period=school.closed_period)
    with pytest.raises(DomainError, match="причину"):
        _save(session, school, deputy, cells, period=school.closed_period)
    with pytest.raises(DomainError, match="причину"):
        _save(session, school, deputy, cells, reason="\u200b", period=school.closed_period)
    assert _count(session, Grade) == 0
    _save(session, school, deputy, cells, reason="Решение педсовета", period=school.closed_period)
    assert list(session.scalars(select(Grade.created_by))) == ["zavuch"]
    # The deputy head corrects closed periods only; current grades are the teacher's.
    with pytest.raises(PermissionDenied, match="закрытые периоды"):
        _save(session, school, deputy, {(a, school.lessons[0]): "5"}, reason="x")


def test_lesson_outside_the_period_and_holiday_dates_are_refused(session, school):
    teacher = actor_of(session, "teacher_a")
    a = school.two.student_a
    # The September lesson belongs to the closed period, not to «1 четверть».
    with pytest.raises(DomainError, match="вне периода"):
        _save(session, school, teacher, {(a, school.old_lesson): "5"})
    from datetime import date

    with pytest.raises(DomainError, match="Выходной день"):
        journal.add_lesson(
            session,
            teacher,
            group_id=school.two.group_a,
            subject_id=school.math,
            on=date(2026, 9, 16),
            number=3,
        )
    with pytest.raises(DomainError, match="Осенние каникулы"):
        journal.plan_test(
            session,
            teacher,
            group_id=school.two.group_a,
            subject_id=school.math,
            on=date(2026, 10, 27),
            title="Контрольная № 1",
        )
    lesson = journal.add_lesson(
        session,
        teacher,
        group_id=school.two.group_a,
        subject_id=school.math,
        on=date(2026, 9, 17),
        number=5,
        topic="Дополнительное занятие",
    )
    assert lesson.staff_id == school.teacher_a_staff


def test_topics_tests_period_grades_and_recommendations(session, school):
    teacher = actor_of(session, "teacher_a")
    a = school.two.student_a
    lesson = school.lessons[0]
    assert (
        journal.save_lessons(
            session, teacher, updates=[journal.LessonUpdate(lesson, "Дроби", "№ 12, 14", "", "")]
        )
        == 1
    )
    from datetime import date

    journal.plan_test(
        session,
        teacher,
        group_id=school.two.group_a,
        subject_id=school.math,
        on=date(2026, 9, 21),
        title="Контрольная № 1",
    )
    grid = _grid(session, school, teacher)
    assert grid.lessons[0].topic == "Дроби"
    assert [lesson.has_test for lesson in grid.lessons].count(True) == 1
    assert _period_grades(session, school, teacher, {a: 4}) == 1
    with pytest.raises(DomainError, match="причину"):
        _period_grades(session, school, teacher, {a: 5})
    with pytest.raises(DomainError, match="не оценка"):
        _period_grades(session, school, teacher, {a: 6})
    journal.add_recommendation(
        session,
        teacher,
        group_id=school.two.group_a,
        subject_id=school.math,
        student_id=a,
        text="Повторить действия с дробями",
        on=TODAY,
    )
    assert _count(session, Recommendation) == 1
    assert _grid(session, school, teacher).students[1].period_grade == 4
    assert _count(session, PeriodGradeChange) == 0
    _period_grades(session, school, teacher, {a: 5}, reason="пересдача контрольной")
    change = session.scalar(select(PeriodGradeChange))
    assert change is not None
    assert (change.old_value, change.new_value, change.reason, change.changed_by) == (
        4, 5, "пересдача контрольной", "teacher_a"
    )


def test_substitute_teacher_fills_in_only_the_lessons_they_covered(session, school):
    from klassruk.services.timetable.changes import substitute_teacher
    from tests.factories import SYSTEM

    substitute = actor_of(session, "ct_b")
    first, second = school.lessons[:2]
    a = school.two.student_a
    assert not journal.own_assignments(session, substitute)
    with pytest.raises(PermissionDenied):
        _save(session, school, substitute, {(a, first): "5"})

    assert substitute.staff_id is not None
    substitute_teacher(
        session, SYSTEM, lesson_id=first, staff_id=substitute.staff_id, reason="болезнь"
    )
    refs = journal.own_assignments(session, substitute)
    assert [(r.group_id, r.subject_id, r.substitute) for r in refs] == [
        (school.two.group_a, school.math, True)
    ]
    assert "(замена)" in refs[0].label
    grid = _grid(session, school, substitute)
    covered = [c.lesson_id for c in grid.lessons if c.staff_id == substitute.staff_id]
    assert covered == [first]

    assert _save(session, school, substitute, {(a, first): "5"}).added == 1
    with pytest.raises(PermissionDenied, match="только уроки, которые провели сами"):
        _save(session, school, substitute, {(a, first): "5", (a, second): "4"})
    with pytest.raises(PermissionDenied):
        journal.add_grade(session, substitute, lesson_id=second, student_id=a, value=4)
    assert _count(session, Grade) == 1
    # The subject teacher still keeps the whole journal, the covered lesson included.
    teacher = actor_of(session, "teacher_a")
    assert _save(session, school, teacher, {(a, first): "5 4", (a, second): "3"}).added == 2


def test_period_grades_are_parsed_as_typed_and_a_bad_one_is_refused_by_name():
    names = {1: "Белова Анна", 2: "Иванов Иван"}
    assert journal.parse_period_grades({1: " 5 ", 2: ""}, names=names) == {1: 5, 2: None}
    for bad in ("6", "4-", "пять", "0"):
        with pytest.raises(DomainError, match=f"Иванов Иван: «{bad}» — не оценка"):
            journal.parse_period_grades({1: "5", 2: bad}, names=names)


def test_topics_homework_tests_and_recommendations_are_stored_without_controls(session, school):
    """NUL in any of them made PostgreSQL refuse the save with DataError; now it is cleaned."""
    from datetime import date

    from klassruk.models.journal import Lesson, PlannedTest

    teacher = actor_of(session, "teacher_a")
    lesson = school.lessons[0]
    journal.save_lessons(
        session,
        teacher,
        updates=[journal.LessonUpdate(lesson, "Дроби\x00\u200b", "№ 12\r\n№ 14\u202e", "", "")],
    )
    journal.plan_test(
        session, teacher, group_id=school.two.group_a, subject_id=school.math,
        on=date(2026, 9, 21), title="Контрольная\x00 № 1",
    )  # fmt: skip
    journal.add_recommendation(
        session, teacher, group_id=school.two.group_a, subject_id=school.math,
        student_id=school.two.student_a, text="Повторить\x00 дроби\nи доли", on=date(2026, 9, 21),
    )  # fmt: skip
    session.flush()
    session.expire_all()
    stored = session.get(Lesson, lesson)
    assert (stored.topic, stored.homework) == ("Дроби", "№ 12\n№ 14")
    assert session.scalar(select(PlannedTest.title)) == "Контрольная № 1"
    assert session.scalar(select(Recommendation.text)) == "Повторить дроби\nи доли"


def test_the_kinds_help_writes_weights_with_the_decimal_comma():
    from klassruk.services.journal.cells import GRADE_KIND_HELP

    assert "(вес 1,5)" in GRADE_KIND_HELP and "1.5" not in GRADE_KIND_HELP
