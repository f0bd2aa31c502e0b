"""AppTest: «Доступ к персональным данным», per student and per user, with Russian empty states."""

from __future__ import annotations

import pytest


def test_searches_that_find_nobody_say_so_in_russian(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/data_access.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Доступ к персональным данным"]
    assert [tab.label for tab in at.tabs] == ["По обучающемуся", "По пользователю"]
    at.text_input(key="access_student_search").input("Несуществующий").run()
    at.text_input(key="access_user_search").input("несуществующий").run()
    assert not at.exception
    assert {"Обучающиеся не найдены.", "Пользователи не найдены."} <= {i.value for i in at.info}


def test_a_student_nobody_opened_has_no_entries(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/data_access.py").run()
    at.text_input(key="access_student_search").input("а").run()
    assert not at.exception
    assert at.selectbox(key="access_student").options
    assert "Обращений не найдено." in [c.value for c in at.caption]


@pytest.mark.parametrize("login", ["zavuch", "klassruk"])
def test_the_access_log_is_refused_to_everyone_but_the_admin(logged_in, login):
    with pytest.raises(ValueError):
        logged_in(login).switch_page("app_pages/data_access.py").run()
