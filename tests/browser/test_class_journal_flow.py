"""The class journal in a browser: the class as text, periods as buttons, charts kept open."""

from __future__ import annotations

import re

import pytest

from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN
from tests.browser.conftest import log_in_at, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
CHART = '[data-testid="stVegaLiteChart"]'
CHARTS_TAB = "Графики"


def test_the_charts_open_on_request_and_stay_open_when_the_teacher_comes_back(
    browser, server_url
):
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/class_journal", CLASS_TEACHER_LOGIN, "Журнал класса")
        page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible")
        # One class: named under the title with the period's dates, not in a drop-down of one.
        dates = page.locator('[data-testid="stCaptionContainer"]', has_text="Класс 7А · ").first
        dates.wait_for()
        assert page.get_by_role("combobox", name="Класс").count() == 0
        # The line names the period; the popover named for it holds the periods' buttons, and
        # another one is a click there that shows its dates in the line.
        page.get_by_role("button", name=re.compile("^Период: ")).click()
        periods = page.get_by_role("radiogroup", name="Период")
        shown = dates.inner_text()
        first = periods.get_by_role("radio", name="1 четверть")
        assert first.get_attribute("aria-checked") == "false"
        first.click()
        wait_until_idle(page)
        assert first.get_attribute("aria-checked") == "true"
        assert dates.inner_text() != shown
        assert page.locator(CHART).count() == 0

        page.get_by_role("tab", name=CHARTS_TAB).click()
        page.locator(CHART).nth(3).wait_for(state="visible")
        assert page.locator(CHART).count() == 4
        wait_until_idle(page)

        page.get_by_role("link", name="Главная").first.click()
        page.get_by_role("heading", name="Главная").first.wait_for()
        wait_until_idle(page)
        assert page.locator(CHART).count() == 0
        page.get_by_role("link", name="Журнал класса").first.click()
        page.locator(CHART).nth(3).wait_for(state="visible")
        assert page.locator(CHART).count() == 4
    finally:
        context.close()
