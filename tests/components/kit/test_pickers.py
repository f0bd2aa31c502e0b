"""The page kit's pickers: empty states, Russian multiselects, tabs kept across a rerun."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components.kit.pickers import NO_CLASS


def _class_picker_script() -> None:
    import streamlit as st

    from components.kit.pickers import class_picker
    from klassruk.access.permissions import Action, Actor, Role

    teacher = Actor(login="t", roles=frozenset({Role.CLASS_TEACHER}), user_id=1, staff_id=999)
    if class_picker(teacher, Action.VIEW_CLASS, key="class") is None:
        st.stop()
    st.text("дальше")


def _multi_and_tabs_script() -> None:
    import streamlit as st

    from components.kit.pickers import kept_tabs, multi_picker

    multi_picker("Предметы", ["Алгебра", "Физика"], key="subjects")
    _first, second = kept_tabs(["Первая", "Вторая"], key="tabs")
    with second:
        if st.button("Сохранить", key="save"):
            st.rerun()


def test_class_picker_says_once_why_there_is_nothing_to_pick(app_env, engine) -> None:
    at = AppTest.from_function(_class_picker_script, default_timeout=30).run()
    assert not at.exception
    assert [m.value for m in at.info] == [NO_CLASS]
    assert not at.text


def test_multi_picker_has_a_russian_placeholder_and_no_select_all() -> None:
    at = AppTest.from_function(_multi_and_tabs_script, default_timeout=30).run()
    widget = at.multiselect(key="subjects")
    assert widget.proto.placeholder == "Выберите из списка"
    assert widget.proto.select_all == 0


def test_tab_stays_open_after_a_save() -> None:
    at = AppTest.from_function(_multi_and_tabs_script, default_timeout=30).run()
    at.session_state["tabs"] = "Вторая"
    at.button(key="save").click().run()
    assert not at.exception
    assert at.session_state["tabs"] == "Вторая"
