"""The ad-hoc analysis page on the demo school: a pivot, its chart and files."""

from __future__ import annotations

import pytest

from components.kit.nav import allowed_pages
from klassruk.access.permissions import Actor, Role
from tests.tables import shown


def test_deputy_head_pivots_classes_by_subjects_and_switches_measure(logged_in):
    at = logged_in("zavuch").switch_page("app_pages/analysis.py").run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert frame.columns[0] == "Класс" and len(frame.columns) > 2  # a column per subject
    averages = frame.iloc[:, 1:].stack().dropna()
    assert len(averages) and ((averages >= 1) & (averages <= 5)).all()
    # «4,10», not the browser's «4.1»: the decimal comma and two decimals, numbers underneath
    texts = shown(at.dataframe[0]).iloc[:, 1:].stack()
    assert texts[texts != "—"].str.fullmatch(r"[1-5],\d\d").all()
    assert {b.label for b in at.get("download_button")} >= {"Скачать таблицу (XLSX)", "Скачать CSV"}
    at.selectbox(key="an_measure").set_value("absences").run()
    at.selectbox(key="an_columns").set_value("week").run()
    assert not at.exception
    assert shown(at.dataframe[0]).iloc[:, 1:].stack().str.fullmatch(r"\d+|—").all()
    assert at.dataframe[0].value.columns[1].count(".") == 2  # a week's date ДД.ММ.ГГГГ
    at.selectbox(key="an_measure").set_value("ack_rate").run()
    at.selectbox(key="an_columns").set_value("subject").run()
    assert any("только по классам" in e.value for e in at.error)


@pytest.mark.parametrize("role", [Role.CLASS_TEACHER, Role.TEACHER, Role.GUARDIAN, Role.STUDENT])
def test_not_in_the_menu_of_others(role):
    actor = Actor(login="x", roles=frozenset({role}))
    assert "app_pages/analysis.py" not in {p.path for p in allowed_pages(actor)}
