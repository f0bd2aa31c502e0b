"""AppTest: «Мой класс», the class list with guardians and account states."""

from __future__ import annotations

import re

import pytest


def test_class_teacher_sees_the_class_list_in_russian(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/my_class.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Мой класс"]
    # One class is named as on the other pages, not offered in a drop-down of one line.
    assert not at.selectbox
    assert [m.value for m in at.markdown if m.value.startswith("Класс: ")] == ["Класс: **7А**"]
    assert at.caption[0].value.startswith("Классный руководитель: ")
    roster = at.dataframe[0].value
    assert list(roster.columns) == [
        "№",
        "Обучающийся",
        "Дата рождения",
        "Учётная запись",
        "Родители (законные представители)",
    ]
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", day) for day in roster["Дата рождения"])
    assert f"Обучающихся: {len(roster)}." in at.caption[0].value


def test_deputy_head_picks_any_class(logged_in):
    at = logged_in("zavuch")
    at.switch_page("app_pages/my_class.py").run()
    assert not at.exception
    # The deputy head's menu lists it under «Классы школы»: not «Мой класс» but every class.
    assert [t.value for t in at.title] == ["Списки классов"]
    picker = at.selectbox(key="my_class")
    assert len(picker.options) > 1
    first_caption = at.caption[0].value
    picker.select_index(len(picker.options) - 1).run()
    assert not at.exception
    assert at.dataframe and at.caption[0].value != first_caption


@pytest.mark.parametrize("login", ["uchitel", "roditel", "uchenik"])
def test_the_class_list_is_refused_to_others(logged_in, login):
    with pytest.raises(ValueError):
        logged_in(login).switch_page("app_pages/my_class.py").run()
