"""A teacher switches the second factor on in the profile and logs in with password and code."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest

from klassruk.clock import utcnow
from klassruk.demo.catalogue import DEMO_PASSWORD, TEACHER_LOGIN
from tests.browser.conftest import account_button, sign_out, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def _heading(page, title: str):
    return page.get_by_role("heading", name=title, exact=True).first


def _log_in_with_password(page) -> None:
    page.get_by_label("Логин").fill(TEACHER_LOGIN)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()


def _shown_key(page) -> str:
    """The secret key shown beside the QR code, once its block is on the page."""
    # Its block may come a moment after the QR code: wait for it instead of reading at once.
    block = page.locator('[data-testid="stCode"]').filter(
        has_text=re.compile(r"^\s*[A-Z2-7]{4}( [A-Z2-7]{4})+\s*$")
    ).first
    block.wait_for()
    return block.inner_text().replace(" ", "").strip()


def test_teacher_enrols_logs_out_and_logs_in_with_the_code(browser, server_url):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{server_url}/profile")
        _log_in_with_password(page)
        _heading(page, "Профиль").wait_for()
        wait_until_idle(page)
        page.get_by_role("button", name="Подключить второй фактор").click()
        page.get_by_role("img").first.wait_for()  # the QR code
        secret = _shown_key(page)
        page.get_by_label("Код из приложения (6 цифр)").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Подключить", exact=True).click()
        page.get_by_text("Сохраните резервные коды").wait_for()
        page.get_by_role("button", name=re.compile("Я сохранил")).click()
        page.get_by_text("Неиспользованных резервных кодов: 10").wait_for()
        wait_until_idle(page)

        sign_out(page)
        page.get_by_label("Логин").first.wait_for()
        _log_in_with_password(page)
        page.get_by_label("Код из приложения или резервный код").wait_for()
        assert account_button(page).count() == 0
        # The next step's code: inside the ±1 window and never the step used at enrolment.
        page.get_by_label("Код из приложения или резервный код").fill(
            pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
        )
        page.get_by_role("button", name="Подтвердить").click()
        account_button(page).first.wait_for()
        _heading(page, "Профиль").wait_for()
    finally:
        context.close()
