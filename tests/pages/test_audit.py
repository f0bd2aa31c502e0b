"""AppTest: «Журнал изменений», readable by school IT, filtered, exported, admin only."""

from __future__ import annotations

from datetime import date

import pytest


def test_admin_reads_the_change_log_in_russian(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Журнал изменений"]
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "Когда", "Кто", "Действие", "Объект", "Запись №", "Изменения", "Основание", "Инцидент",
    ]
    assert at.caption[0].value.startswith("Найдено изменений: ")
    assert {"Скачать CSV", "Скачать XLSX"} <= {b.label for b in at.get("download_button")}


def test_a_date_range_with_no_changes_finds_none(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/audit.py").run()
    at.date_input(key="audit_from").set_value(date(2020, 1, 1))
    at.date_input(key="audit_to").set_value(date(2020, 1, 2)).run()
    assert not at.exception
    assert at.caption[0].value == "Найдено изменений: 0; показаны 0, новые сверху."


@pytest.mark.parametrize("login", ["zavuch", "klassruk", "uchitel", "roditel"])
def test_the_change_log_is_refused_to_everyone_but_the_admin(logged_in, login):
    with pytest.raises(ValueError):
        logged_in(login).switch_page("app_pages/audit.py").run()
