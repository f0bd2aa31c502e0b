"""AppTest of «Кто учит»: a class, a group or one student with their teachers."""

from __future__ import annotations

from sqlalchemy import select, update

from klassruk.models.school import Subject, TeachingAssignment
from tests.factories import SYSTEM
from tests.tables import shown


def test_who_teaches_a_student_includes_the_subgroup_teacher(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/who_teaches.py").run()
    assert not at.exception
    at.radio(key="wt_scope").set_value("обучающийся").run()
    assert not at.exception
    table = at.dataframe[0].value
    rows = dict(zip(table["Предмет"], table["Вид группы"], strict=True))
    assert rows["Иностранный язык (английский)"] == "подгруппа"
    assert rows["Алгебра"] in {"весь класс", "индивидуальный учебный план"}
    assert "гр. " in table.set_index("Предмет").loc["Информатика", "Группа"]


def test_hours_are_shown_with_a_decimal_comma(logged_in, factory) -> None:
    with factory() as session:
        session.info["actor"] = SYSTEM
        algebra = session.scalar(select(Subject.id).where(Subject.name == "Алгебра"))
        session.execute(
            update(TeachingAssignment)
            .where(TeachingAssignment.subject_id == algebra)
            .values(hours_per_week=1.5)
        )
        session.commit()
    at = logged_in("klassruk")
    at.switch_page("app_pages/who_teaches.py").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("Учителя 7А класса")
    table = shown(at.dataframe[0])  # as the reader sees it; the cells are numbers
    hours = table.groupby("Предмет")["Часов в неделю"].agg(set)
    assert hours["Алгебра"] == {"1,5"}
    assert hours["Физика"] == {"2"}


def test_the_deputy_head_picks_among_all_classes(logged_in) -> None:
    at = logged_in("zavuch")
    at.switch_page("app_pages/who_teaches.py").run()
    assert not at.exception
    assert len(at.selectbox(key="wt_class").options) > 1
