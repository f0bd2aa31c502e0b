"""AppTest of the teacher's journal page: the grid writes, conflicts, refusals, period grades."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from klassruk.infra.db import unit_of_work
from klassruk.models.journal import Grade, GradeChange, PeriodGrade, PlannedTest
from klassruk.models.school import GroupMembership
from klassruk.services import calendar, journal
from klassruk.text.formatting import format_date
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.pages.conftest import teach_a_tenth_grade


@pytest.fixture
def journal_app(demo_app, factory):
    """The SMALL demo school, whose journal the demo fills up to its pretend today."""
    return factory


def _grid_target(factory, login):
    """The first journal of the teacher for the current period, as the page opens it."""
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        assignment = journal.own_assignments(session, actor)[0]
        period = calendar.period_for_today(session, TODAY)
        grid = journal.read_journal(
            session, actor, group_id=assignment.group_id, subject_id=assignment.subject_id,
            period_id=period.period_id,
        )
    key = f"journal_grid_{assignment.group_id}_{assignment.subject_id}_{period.period_id}_0"
    return grid, key


def _free_cell(grid):
    """A (row, lesson) of the grid with no marks where the student sits in the lesson."""
    for row, student in enumerate(grid.students):
        for lesson in grid.lessons:
            cell = (student.student_id, lesson.lesson_id)
            if not grid.cells[cell] and cell not in grid.outside and lesson.status == "scheduled":
                return row, student, lesson
    raise AssertionError("no free cell")


def _free_cells(grid, count):
    """`count` (row, student, lesson) cells with no marks, each in another student's row."""
    found = []
    for row, student in enumerate(grid.students):
        for lesson in grid.lessons:
            cell = (student.student_id, lesson.lesson_id)
            if not grid.cells[cell] and cell not in grid.outside and lesson.status == "scheduled":
                found.append((row, student, lesson))
                break
        if len(found) == count:
            return found
    raise AssertionError("not enough free cells")


def _set_elsewhere(factory, login, grid, student, lesson, text):
    """Another session of the same teacher writes a cell (after the page was drawn)."""
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        journal.save_grid(
            session,
            actor,
            group_id=grid.group_id,
            subject_id=grid.subject_id,
            period_id=grid.period_id,
            edits={(student.student_id, lesson.lesson_id): journal.CellEdit("", text)},
            today=TODAY,
        )


def _edits(at, key, grid, cells):
    labels = grid.column_labels()
    rows: dict[int, dict[str, str]] = {}
    for (row, _, lesson), text in cells:
        rows.setdefault(row, {})[labels[lesson.lesson_id]] = text
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def test_stale_grid_saves_only_my_cells_and_a_conflict_keeps_my_other_edits(
    logged_in, journal_app
):
    factory = journal_app
    grid, key = _grid_target(factory, "uchitel")
    first, second, third, fourth = _free_cells(grid, 4)
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()

    # Someone else grades another cell after the page was drawn: the save keeps that grade.
    _set_elsewhere(factory, "uchitel", grid, first[1], first[2], "4")
    _edits(at, key, grid, [(second, "5")])
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    assert _grades_of(factory, first[1].student_id, first[2].lesson_id) == [4]
    assert _grades_of(factory, second[1].student_id, second[2].lesson_id) == [5]

    # Someone else fills a cell I am editing: nothing saved, the message names it.
    _set_elsewhere(factory, "uchitel", grid, third[1], third[2], "3")
    key = key.removesuffix("_0") + "_1"
    _edits(at, key, grid, [(third, "5"), (fourth, "2")])
    at = _save(at)
    message = at.error[0].value
    assert " ".join(third[1].name.split()[:2]) in message  # surname and first name
    assert format_date(third[2].lesson_date) in message
    assert "сейчас «3»" in message
    assert _grades_of(factory, third[1].student_id, third[2].lesson_id) == [3]
    assert _grades_of(factory, fourth[1].student_id, fourth[2].lesson_id) == []
    # The fresh grid still carries my other edit: saving again stores it.
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    assert "новых оценок 1" in at.success[0].value
    assert _grades_of(factory, fourth[1].student_id, fourth[2].lesson_id) == [2]
    assert _grades_of(factory, third[1].student_id, third[2].lesson_id) == [3]


def _grades_of(factory, student_id, lesson_id):
    with unit_of_work(factory, SYSTEM) as session:
        return sorted(
            session.scalars(
                select(Grade.value).where(
                    Grade.student_id == student_id, Grade.lesson_id == lesson_id
                )
            )
        )


def _edit(at, key, row, label, value):
    at.session_state[key] = {
        "edited_rows": {row: {label: value}},
        "added_rows": [],
        "deleted_rows": [],
    }


def _save(at):
    next(b for b in at.button if b.key == "journal_save").click()
    return at.run()


def test_teacher_enters_and_changes_grades_through_the_grid(logged_in, journal_app):
    factory = journal_app
    grid, key = _grid_target(factory, "uchitel")
    row, student, lesson = _free_cell(grid)
    label = grid.column_labels()[lesson.lesson_id]
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    assert not at.exception
    assert at.title[0].value == "Журнал"

    _edit(at, key, row, label, "5 4д")
    at = _save(at)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert "новых оценок 2" in at.success[0].value
    assert _grades_of(factory, student.student_id, lesson.lesson_id) == [4, 5]

    # Changing a grade without a reason: refused, nothing saved, the grid keeps what was typed.
    key = key.removesuffix("_0") + "_1"
    _edit(at, key, row, label, "5 3д")
    at = _save(at)
    assert "причину" in at.error[0].value
    assert _grades_of(factory, student.student_id, lesson.lesson_id) == [4, 5]
    assert at.session_state[key]["edited_rows"] == {row: {label: "5 3д"}}

    at.text_input(key="journal_reason_1").input("Работа над ошибками")
    at = _save(at)
    assert not at.error, [e.value for e in at.error]
    assert _grades_of(factory, student.student_id, lesson.lesson_id) == [3, 5]
    with unit_of_work(factory, SYSTEM) as session:
        change = session.scalars(
            select(GradeChange).where(GradeChange.changed_by == "uchitel")
        ).one()
    assert (change.old_value, change.new_value, change.reason) == (4, 3, "Работа над ошибками")
    # The reason is not silently reused by the next save.
    assert at.text_input(key="journal_reason_2").value == ""


def test_bad_grade_is_refused_with_a_russian_message_and_nothing_saved(logged_in, journal_app):
    factory = journal_app
    grid, key = _grid_target(factory, "uchitel")
    row, _, lesson = _free_cell(grid)
    label = grid.column_labels()[lesson.lesson_id]
    with unit_of_work(factory, SYSTEM) as session:
        before = session.scalar(select(func.count()).select_from(Grade))
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    _edit(at, key, row, label, "5-")
    at = _save(at)
    assert "«5-» — не оценка" in at.error[0].value
    assert "Ничего не сохранено" in at.error[0].value
    with unit_of_work(factory, SYSTEM) as session:
        assert session.scalar(select(func.count()).select_from(Grade)) == before




def _period_grades(factory):
    with unit_of_work(factory, SYSTEM) as session:
        return session.scalar(select(func.count()).select_from(PeriodGrade))


def test_averages_are_shown_with_a_decimal_comma(logged_in, journal_app):
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    averages = [*table["Средний"], *table["Взвешенный"]]
    assert any(value != "—" for value in averages)
    assert all(re.fullmatch(r"[1-5],\d\d|—", value) for value in averages), averages


def test_a_bad_period_grade_is_refused_by_name_and_a_good_one_saved_on_its_tab(
    logged_in, journal_app
):
    factory = journal_app
    grid, key = _grid_target(factory, "uchitel")
    period_key = key.replace("journal_grid_", "journal_period_")
    row, student = next(
        (i, s) for i, s in enumerate(grid.students) if s.period_grade is None
    )
    before = _period_grades(factory)
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    at.session_state["journal_tab"] = "За период"
    _edit(at, period_key, row, "За период", "6")
    at.button(key="journal_save_period").click().run()
    assert not at.exception
    assert f"{student.name}: «6» — не оценка" in at.error[0].value.replace("\\", "")
    assert _period_grades(factory) == before

    _edit(at, period_key, row, "За период", "5")
    at.button(key="journal_save_period").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Оценок за период сохранено: 1."]
    assert at.session_state["journal_tab"] == "За период"
    assert _period_grades(factory) == before + 1


def _pupils_test_day(factory, login):
    """A school day of the open period on which the pupils of the first journal have a test."""
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        group_id = journal.own_assignments(session, actor)[0].group_id
        pupils = select(GroupMembership.student_id).where(GroupMembership.group_id == group_id)
        period = calendar.period_for_today(session, TODAY)
        return session.execute(
            select(PlannedTest.planned_on, PlannedTest.title)
            .join(GroupMembership, GroupMembership.group_id == PlannedTest.group_id)
            .where(
                GroupMembership.student_id.in_(pupils),
                PlannedTest.planned_on.between(period.starts_on, period.ends_on),
            )
            .limit(1)
        ).one()


def test_a_second_test_that_day_is_planned_only_after_the_teacher_confirms(
    logged_in, journal_app
):
    day, other = _pupils_test_day(journal_app, "uchitel")
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    at.date_input(key="journal_test_date").set_value(day)
    at.text_input(key="journal_test_title").input("Законы Ньютона")
    next(b for b in at.button if b.label == "Запланировать").click()
    at = at.run()
    assert not at.exception
    (warning,) = at.warning
    shown = re.sub(r"\\(.)", r"\1", warning.value)  # Markdown escapes of plain text
    assert format_date(day) in shown and other in shown, shown
    with unit_of_work(journal_app, SYSTEM) as session:
        assert not session.scalar(select(PlannedTest.id).where(
            PlannedTest.title == "Законы Ньютона"))
    next(b for b in at.button if b.label == "Всё равно: запланировать").click()
    at = at.run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Контрольная работа запланирована."]
    with unit_of_work(journal_app, SYSTEM) as session:
        assert session.scalar(select(PlannedTest.planned_on).where(
            PlannedTest.title == "Законы Ньютона")) == day


def test_a_planned_test_is_moved_and_cancelled_from_the_journal(logged_in, journal_app):
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    at.date_input(key="journal_test_date").set_value(TODAY)
    at.text_input(key="journal_test_title").input("Равноускоренное движение")
    next(b for b in at.button if b.label == "Запланировать").click()
    at = at.run()
    if at.warning:  # the pupils may have another test today in the demo
        next(b for b in at.button if b.label == "Всё равно: запланировать").click()
        at = at.run()
    with unit_of_work(journal_app, SYSTEM) as session:
        test_id = session.scalar(select(PlannedTest.id).where(
            PlannedTest.title == "Равноускоренное движение"))
    at.selectbox(key="journal_test_chosen").set_value(test_id)
    at = at.run()
    assert at.date_input(key=f"journal_test_new_date_{test_id}").value == TODAY
    moved_to = TODAY + timedelta(days=1)
    at.date_input(key=f"journal_test_new_date_{test_id}").set_value(moved_to)
    next(b for b in at.button if b.label == "Сохранить изменения").click()
    at = at.run()
    if at.warning:
        next(b for b in at.button if b.label == "Всё равно: перенести").click()
        at = at.run()
    assert not at.exception and not at.error
    with unit_of_work(journal_app, SYSTEM) as session:
        moved = session.get(PlannedTest, test_id)
        assert (moved.planned_on, moved.moved_from) == (moved_to, TODAY)
    listed = next(df.value for df in at.dataframe if "Изменения" in df.value.columns)
    assert "перенесена с 30.11.2026" in list(listed["Изменения"])
    at.text_input(key="journal_test_reason").input("учитель на курсах")
    next(b for b in at.button if b.label == "Отменить контрольную работу").click()
    at = at.run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "Контрольная работа «Равноускоренное движение» отменена; семьи увидят причину."
    ]
    with unit_of_work(journal_app, SYSTEM) as session:
        row = session.scalars(select(PlannedTest).where(
            PlannedTest.title == "Равноускоренное движение")).one()
        assert row.cancel_reason == "учитель на курсах" and row.cancelled_at is not None


def test_the_journal_lists_groups_by_grade_and_opens_on_the_lowest(logged_in, factory):
    teach_a_tenth_grade(factory, "uchitel")
    at = logged_in("uchitel").switch_page("app_pages/journal.py").run()
    picker = at.selectbox(key="journal_assignment")
    labels = [str(option) for option in picker.options]
    # «10А — весь класс» sorted before «7А …» as text and was the journal opened first.
    assert labels[-1].startswith("10А") and not labels[0].startswith("10А"), labels
