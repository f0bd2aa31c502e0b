"""AppTest: «Журнал изменений», readable by school IT, filtered, exported, admin only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.school import ReportingPeriod
from klassruk.services.calendar import set_period_closed
from tests.factories import SYSTEM, actor_of


def test_admin_reads_the_change_log_in_russian(logged_in):
    at = logged_in("admin")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Журнал изменений"]
    # The demo is seeded without audit rows, and the admin's login is not a change.
    assert at.caption[0].value.startswith("Найдено изменений: 0")
    # An empty table is a Russian line, not the grid's English «empty».
    assert "Изменений не найдено." in [c.value for c in at.tabs[0].caption]
    assert not at.tabs[0].dataframe
    assert {"Скачать CSV", "Скачать XLSX"} <= {b.label for b in at.get("download_button")}


def test_logins_are_listed_apart_by_name_and_changes_read_as_the_screens_do(logged_in, factory):
    with unit_of_work(factory, SYSTEM) as session:
        zavuch = actor_of(session, "zavuch")
        session.info["actor"] = zavuch
        period = session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.id)).first()
        set_period_closed(session, zavuch, period_id=period.id, closed=not period.is_closed)
        name, zavuch_name = period.name, session.get(UserAccount, zavuch.user_id).display_name
    at = logged_in("admin")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Изменения данных", "Входы в систему"]
    changes = at.tabs[0].dataframe[0].value
    assert list(changes.columns) == [
        "Когда", "Кто", "Действие", "Объект", "Изменения", "Основание", "Инцидент",
    ]
    # The admin's own login is not a data change: only the period's closing is.
    assert len(changes) == 1
    row = changes.iloc[0]
    assert row["Кто"] == zavuch_name and row["Объект"] == f"Отчётный период: {name}"
    assert re.fullmatch(r"закрыт: (да → нет|нет → да)", row["Изменения"])
    text = " ".join(str(v) for v in changes.to_numpy().ravel())
    assert "is_closed" not in text and "zavuch" not in text
    logins = at.tabs[1].dataframe[0].value
    admin_name = logins.iloc[0]["Кто"]
    assert admin_name != "admin" and logins.iloc[0]["Событие"] == "вход"
    # The date filter starts filled in: an empty field shows the English «dd.mm.yyyy».
    assert at.date_input(key="audit_from").value is not None


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
