"""The login cookie in a browser: forged tokens are ignored, reloads keep a fresh login."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from klassruk.access.permissions import Role
from klassruk.clock import utcnow
from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, DEMO_PASSWORD
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.settings import load_settings
from klassruk.models.accounts import UserAccount
from klassruk.models.school import SchoolClass, Staff
from klassruk.services.credentials.issuing import issue_credentials
from klassruk.services.credentials.people import PersonKind, PersonRef
from klassruk.services.groups.queries import enrolled_students
from tests.browser.conftest import account_button, wait_until_idle
from tests.factories import SYSTEM, make_account

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
NEW_PASSWORD = "Сменённый пароль учителя 2026"


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forged() -> list[str]:
    claims = {"username": "admin", "exp_date": (utcnow() + timedelta(days=1)).timestamp()}
    return [
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".",
        jwt.encode(claims, "x" * 64, algorithm="HS512"),
        "garbage.garbage",
    ]


def _heading(page, title: str):
    return page.get_by_role("heading", name=title, exact=True).first


def _wait_for_cookie(page, old: str) -> str:
    """The login cookie once the browser holds a new one (the component writes it from JS)."""
    name = load_settings().cookie_name
    for _ in range(100):
        value = next((c["value"] for c in page.context.cookies() if c["name"] == name), "")
        if value and value != old:
            return value
        page.wait_for_timeout(100)
    raise AssertionError("the login cookie was not written")


def _log_in(page, login: str, secret: str) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(secret)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.parametrize("value", _forged(), ids=["alg-none", "hs512", "garbage"])
def test_forged_cookie_is_treated_as_absent(browser, server_url, value):
    context = browser.new_context()
    context.add_cookies([{"name": load_settings().cookie_name, "value": value,
                          "url": server_url}])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url)
        page.get_by_label("Логин").first.wait_for()
        wait_until_idle(page)
        body = page.inner_text("body")
        assert "Error" not in body and "Traceback" not in body
        assert account_button(page).count() == 0
    finally:
        context.close()


def _issue_code(database_url: str) -> tuple[str, str]:
    """A fresh activation code for a pupil of the demo class teacher's class."""
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        with unit_of_work(factory, SYSTEM) as session:
            class_id = session.scalar(
                select(SchoolClass.id).join(Staff).where(Staff.id.in_(
                    select(UserAccount.staff_id).where(UserAccount.login == CLASS_TEACHER_LOGIN)))
            )
            assert class_id is not None
            today = utcnow().date()
            student = enrolled_students(session, class_id=class_id, on=today)[-1]
            result = issue_credentials(
                session, SYSTEM, class_id=class_id, on=today,
                people=[PersonRef(PersonKind.STUDENT, student.student_id)],
            )
            return result.issued[0].login, result.issued[0].code
    finally:
        engine.dispose()


def _staff_account(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine), SYSTEM) as session:
            make_account(session, "smena.parolya", {Role.TEACHER}, password=DEMO_PASSWORD)
        return "smena.parolya"
    finally:
        engine.dispose()


def test_code_login_survives_a_reload_and_the_password_can_still_be_set(
    browser, server_url, database_url
):
    login, code = _issue_code(database_url)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url)
        _log_in(page, login, code)
        _heading(page, "Смена пароля").wait_for()
        _wait_for_cookie(page, "")
        page.reload()
        _heading(page, "Смена пароля").wait_for()
        wait_until_idle(page)
        assert page.get_by_label("Текущий пароль").count() == 0
        page.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
        confirmation = page.get_by_label("Новый пароль ещё раз")
        confirmation.fill(NEW_PASSWORD)
        confirmation.press("Tab")
        page.get_by_role("button", name="Сменить пароль").click()
        _heading(page, "Главная").wait_for()
    finally:
        context.close()


def test_reload_right_after_a_password_change_keeps_the_login(browser, server_url, database_url):
    login = _staff_account(database_url)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{server_url}/profile")
        _log_in(page, login, DEMO_PASSWORD)
        _heading(page, "Профиль").wait_for()
        wait_until_idle(page)
        before = _wait_for_cookie(page, "")
        wait_until_idle(page)
        page.get_by_label("Текущий пароль").first.fill(DEMO_PASSWORD)
        page.get_by_label("Новый пароль", exact=True).first.fill(NEW_PASSWORD)
        confirmation = page.get_by_label("Новый пароль ещё раз").first
        confirmation.fill(NEW_PASSWORD)
        confirmation.press("Tab")
        page.get_by_role("button", name="Сменить пароль").click()
        page.get_by_text("Пароль изменён.").wait_for()
        _wait_for_cookie(page, before)
        page.reload()
        account_button(page).first.wait_for()
        assert page.get_by_label("Логин").count() == 0
    finally:
        context.close()


_WATCH_FOR_LOGIN_FORM = """
window.loginFormSeen = false;
new MutationObserver(() => {
  if (document.body && document.body.innerText.includes("Пароль или код активации")) {
    window.loginFormSeen = true;
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_a_reload_with_a_valid_cookie_never_draws_the_login_form(browser, server_url):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server_url)
        _log_in(page, CLASS_TEACHER_LOGIN, DEMO_PASSWORD)
        _heading(page, "Главная").wait_for()
        _wait_for_cookie(page, "")
        wait_until_idle(page)
        # Every DOM change of the reloaded page is watched, not only its final state.
        context.add_init_script(_WATCH_FOR_LOGIN_FORM)
        page.goto(f"{server_url}/class_journal")
        _heading(page, "Журнал класса").wait_for()
        wait_until_idle(page)
        assert page.evaluate("window.loginFormSeen") is False
    finally:
        context.close()
