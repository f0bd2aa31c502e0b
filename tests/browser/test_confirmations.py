"""Chromium at 1366 px: the address warning, the slips, and the confirmation of risky actions.

Set KLASSRUK_SCREENSHOTS to a folder to keep screenshots of each screen for a human to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import (
    choose_person,
    issue_to_chosen,
    log_in_at,
    open_options,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
DESKTOP = {"width": 1366, "height": 900}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    folder = os.environ.get("KLASSRUK_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_slips_warn_about_the_address_and_blocking_waits_for_a_word(
    browser, server_url, tmp_path
):
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/credentials", "klassruk", "Реквизиты доступа")
        warning = page.get_by_text(re.compile("^Адрес школы для входа не задан"))
        warning.wait_for()
        assert "Администрирование → Настройки школы" in warning.inner_text()
        people = page.get_by_role("combobox", name="Выбрать людей")
        first = open_options(page, people).first.inner_text().split(" — ")[0]
        page.keyboard.press("Escape")
        choose_person(page, first)
        text = issue_to_chosen(page, tmp_path)
        assert first in " ".join(text.split())
        _shot(page, "credentials_address_warning")

        choose_person(page, first)  # the issue changed the person's label: chosen again
        page.get_by_role("button", name="Заблокировать выбранных").click()
        question = page.get_by_text(re.compile("^Заблокировать учётные записи"))
        question.wait_for()
        assert first in question.inner_text()
        _shot(page, "credentials_block_confirmation")
        page.get_by_role("button", name="Отмена").click()
        question.wait_for(state="detached")
    finally:
        context.close()


def test_withdrawing_consent_asks_for_a_reason_in_the_browser(browser, server_url):
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/consent", "klassruk",
                  "Согласия на обработку персональных данных")
        target = page.get_by_role("combobox", name="Чьё согласие")
        target.click()
        target.fill("(дано)")
        page.get_by_role("option", name=re.compile(r"данные ребёнка.*\(дано\)")).first.click()
        page.get_by_test_id("stRadioGroup").get_by_text("отозвано", exact=True).click()
        page.get_by_label("№ бланка").fill("ПД-отзыв-7")
        page.get_by_role("button", name="Записать").click()
        question = page.get_by_text(re.compile("^Отозвать согласие на обработку"))
        question.wait_for()
        wait_until_idle(page, settle_ms=300)
        _shot(page, "consent_withdrawal_confirmation")
        page.get_by_label("Причина отзыва (хранится в истории записей)").fill(
            "заявление родителя"
        )
        page.get_by_role("button", name="Отозвать согласие").click()
        page.get_by_text(re.compile("^Записано: .* — отозвано")).wait_for()
    finally:
        context.close()
