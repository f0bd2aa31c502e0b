"""The whole credentials path in a browser: issue a code, the parent activates it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.models.accounts import UserAccount
from klassruk.models.school import Enrolment, Guardian, GuardianLink, SchoolClass, Staff
from tests.browser.conftest import choose_person, issue_to_chosen, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
NEW_PASSWORD = "Пароль мамы из браузера"


def _parent_without_account(database_url: str) -> str:
    """Full name of a guardian in the demo class teacher's class who has no account yet."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            class_teacher = select(UserAccount.staff_id).where(UserAccount.login == "klassruk")
            own_class = select(SchoolClass.id).join(Staff).where(Staff.id.in_(class_teacher))
            with_account = select(UserAccount.guardian_id).where(
                UserAccount.guardian_id.is_not(None)
            )
            guardian = session.scalars(
                select(Guardian)
                .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
                .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
                .where(Enrolment.class_id.in_(own_class), Guardian.id.not_in(with_account))
                .order_by(Guardian.id)
            ).first()
            assert guardian is not None, "the demo class should have a parent without an account"
            return guardian.full_name
    finally:
        engine.dispose()


def _log_in(page, login: str, secret: str) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(secret)
    page.get_by_role("button", name="Войти").click()


def test_teacher_issues_a_code_and_the_parent_activates_it(
    browser, server_url, database_url, tmp_path: Path
):
    parent_name = _parent_without_account(database_url)
    teacher = browser.new_context(accept_downloads=True)
    parent = browser.new_context()
    try:
        page = teacher.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{server_url}/credentials")
        _log_in(page, "klassruk", DEMO_PASSWORD)
        page.get_by_role("heading", name="Реквизиты доступа").first.wait_for()
        wait_until_idle(page)
        choose_person(page, parent_name)
        text = issue_to_chosen(page, tmp_path)
        assert parent_name in text
        login = re.search(r"Логин:\s*(\S+)", text)
        code = re.search(r"Код активации:\s*([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})", text)
        assert login and code, text

        other = parent.new_page()
        other.set_default_timeout(TIMEOUT_MS)
        other.goto(server_url)
        _log_in(other, login.group(1), code.group(1))
        other.get_by_role("heading", name="Смена пароля").first.wait_for()
        wait_until_idle(other)
        other.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
        confirmation = other.get_by_label("Новый пароль ещё раз")
        confirmation.fill(NEW_PASSWORD)
        confirmation.press("Tab")  # let the form register the last field before submitting
        other.get_by_role("button", name="Сменить пароль").click()
        other.get_by_role("heading", name="Главная").first.wait_for()

        page.reload()
        page.get_by_role("heading", name="Реквизиты доступа").first.wait_for()
        engine = make_engine(database_url)
        try:
            with make_session_factory(engine)() as session:
                account = session.scalar(
                    select(UserAccount).where(UserAccount.login == login.group(1))
                )
                assert account is not None and account.status.value == "active"
        finally:
            engine.dispose()
    finally:
        teacher.close()
        parent.close()
