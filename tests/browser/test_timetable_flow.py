"""The deputy head's substitution in a browser: free teachers first, the tab kept after saving."""

from __future__ import annotations

import pytest

from klassruk.demo.catalogue import DEPUTY_HEAD_LOGIN
from tests.browser.conftest import log_in_at, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
CHANGES_TAB = "Замены и переносы"


def test_a_substitution_is_saved_and_the_page_stays_on_its_tab(browser, server_url):
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/timetable", DEPUTY_HEAD_LOGIN, "Расписание и календарь")
        page.get_by_role("tab", name=CHANGES_TAB).click()
        wait_until_idle(page)
        chosen = page.get_by_label("Кто заменяет (свободные — первыми)")
        chosen.wait_for()
        assert "— свобод" in (chosen.input_value() or chosen.inner_text())
        page.get_by_role("button", name="Назначить замену").click()
        page.get_by_text("Замена назначена.").wait_for()
        wait_until_idle(page)
        tab = page.get_by_role("tab", name=CHANGES_TAB)
        assert tab.get_attribute("aria-selected") == "true"
    finally:
        context.close()
