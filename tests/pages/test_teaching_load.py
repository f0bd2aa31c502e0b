"""AppTest of the teaching-load page (deputy head)."""

from __future__ import annotations

from sqlalchemy import func, select

from klassruk.models.school import SchoolClass, Staff, TeachingAssignment, full_name
from tests.tables import shown


def _open(logged_in):
    at = logged_in("zavuch")
    at.switch_page("app_pages/teaching_load.py").run()
    assert not at.exception
    return at


def test_teaching_load_page_opens_for_the_deputy_head(logged_in):
    at = _open(logged_in)
    assert at.title[0].value == "Учебная нагрузка"


def test_a_new_subject_is_reported_once_on_its_tab(logged_in) -> None:
    at = _open(logged_in)
    at.session_state["tl_tab"] = "Предметы"
    at.text_input[0].input("Астрономия")
    at.text_input[1].input("Астр.")
    at.button(key="FormSubmitter:tl_subject-Добавить предмет").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Предмет «Астрономия» добавлен."]
    assert at.session_state["tl_tab"] == "Предметы"
    at.run()
    assert not at.success


def test_a_duplicate_subject_is_refused_in_russian(logged_in) -> None:
    at = _open(logged_in)
    at.text_input[0].input("Алгебра")
    at.text_input[1].input("Алг.")
    at.button(key="FormSubmitter:tl_subject-Добавить предмет").click().run()
    assert not at.exception
    assert at.error and not at.success
    assert "Алгебра" in at.error[0].value


def test_a_stream_is_created_and_its_hours_have_a_decimal_comma(logged_in) -> None:
    at = _open(logged_in)
    next(w for w in at.text_input if w.label == "Название потока").input("10АБ: Алгебра")
    next(w for w in at.number_input if w.label == "Часов в неделю").set_value(2.5)
    members = at.multiselect(key="tl_stream_members")
    # One student of each of two classes: the options are ordered by class.
    members.set_value([members.options[0], members.options[-1]])
    at.button(key="FormSubmitter:tl_stream-Создать поток").click().run()
    assert not at.exception
    assert [m.value for m in at.success] == ["Поток «10АБ: Алгебра» создан."]
    table = next(df for df in at.dataframe if "Поток" in df.value.columns)
    assert list(table.value["Часов в неделю"]) == [2.5]
    assert list(shown(table)["Часов в неделю"]) == ["2,5"]


def test_each_teacher_has_a_total_that_sorts_as_a_number(logged_in, factory) -> None:
    at = _open(logged_in)
    totals = next(df for df in at.dataframe if "Строк нагрузки" in df.value.columns)
    table = totals.value
    with factory() as session:
        expected = {
            full_name(last, first, middle): (float(hours), rows)
            for last, first, middle, hours, rows in session.execute(
                select(
                    Staff.last_name, Staff.first_name, Staff.middle_name,
                    func.sum(TeachingAssignment.hours_per_week),
                    func.count(TeachingAssignment.id),
                )
                .join(TeachingAssignment, TeachingAssignment.staff_id == Staff.id)
                .group_by(Staff.id)
            )
        }
    rows = {
        row["Учитель"]: (row["Часов в неделю"], row["Строк нагрузки"])
        for _, row in table.iterrows()
    }
    assert rows == expected and len(rows) > 1
    # Hours are numbers (a sort puts 9 before 10), shown with the decimal comma («1,5»).
    assert table["Часов в неделю"].dtype.kind == "f"
    assert not shown(totals)["Часов в неделю"].str.contains(".", regex=False).any()
    assert any(c.value.startswith("Всего часов в неделю: ") for c in at.caption)


def test_the_deputy_head_marks_a_class_as_taught_without_marks(logged_in, factory) -> None:
    at = _open(logged_in)
    with factory() as session:
        first = session.scalars(select(SchoolClass).order_by(SchoolClass.grade)).first()
        assert first is not None and not first.without_marks
        class_id = first.id
    at.session_state["tl_class_teachers"] = {
        "edited_rows": {0: {"Без отметок": True}}, "added_rows": [], "deleted_rows": []
    }
    at.button(key="tl_ct_save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Изменено классов: 1."]
    with factory() as session:
        assert session.get(SchoolClass, class_id).without_marks
