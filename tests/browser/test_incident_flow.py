"""Issue 14 in a browser: a parent's account reported by the class teacher, voided by the admin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from sqlalchemy import select

from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, DEMO_PASSWORD, GUARDIAN_LOGIN
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.journal import Grade
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass
from klassruk.services.accounts.sessions import actor_for
from tests.browser.conftest import account_button, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def _a_parent_of_the_class(database_url: str) -> tuple[str, str]:
    """(login, name) of an active parent of the demo class teacher's class, not the featured one."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            own = select(SchoolClass.id).where(
                SchoolClass.class_teacher_id == select(UserAccount.staff_id).where(
                    UserAccount.login == CLASS_TEACHER_LOGIN).scalar_subquery()
            )
            pupils = select(Enrolment.student_id).where(Enrolment.class_id.in_(own))
            user = session.scalar(
                select(UserAccount)
                .join(GuardianLink, GuardianLink.guardian_id == UserAccount.guardian_id)
                .where(
                    GuardianLink.student_id.in_(pupils),
                    UserAccount.status == AccountStatus.ACTIVE,
                    UserAccount.password_hash.is_not(None),
                    UserAccount.must_change_password.is_(False),
                    UserAccount.login != GUARDIAN_LOGIN,
                )
                .order_by(UserAccount.id)
                .limit(1)
            )
            assert user is not None
            return user.login, user.display_name
    finally:
        engine.dispose()


def _change_a_grade_with(database_url: str, login: str) -> tuple[int, int]:
    """A grade changed with the parent's account, as whoever holds its password might."""
    engine = make_engine(database_url)
    try:
        factory = make_session_factory(engine)
        with factory() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.login == login))
            assert user is not None
            actor = actor_for(user, session_id="stolen")
        with unit_of_work(factory, actor) as session:
            grade = session.scalar(select(Grade).where(Grade.value < 5).order_by(Grade.id))
            assert grade is not None
            old, grade.value = grade.value, 5
            return grade.id, old
    finally:
        engine.dispose()


def _grade_value(database_url: str, grade_id: int) -> int:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            grade = session.get(Grade, grade_id)
            assert grade is not None
            return grade.value
    finally:
        engine.dispose()


def _choose_account(page, login: str) -> None:  # type: ignore[no-untyped-def]
    """Type the login into «Учётная запись» and pick it, as a person would: again if a rerun
    of the page closed the list before the click."""
    option = page.get_by_role("option", name=re.compile(re.escape(f"({login})")))
    for attempt in range(3):
        account = page.get_by_role("combobox", name="Учётная запись")
        account.click()
        account.fill(login)
        try:
            option.click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            wait_until_idle(page)
    wait_until_idle(page)


def _log_in(browser, server_url: str, login: str, path: str = ""):
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server_url}/{path}")
    page.get_by_label("Логин").wait_for()
    wait_until_idle(page)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    account_button(page).first.wait_for()
    wait_until_idle(page)
    return context, page


def test_class_teacher_reports_a_parent_and_the_admin_restores_the_grade(
    browser, server_url, database_url
):
    parent_login, parent_name = _a_parent_of_the_class(database_url)
    contexts = []
    try:
        parent_context, parent = _log_in(browser, server_url, parent_login)
        contexts.append(parent_context)
        parent.get_by_role("heading", name="Главная").first.wait_for()
        grade_id, old = _change_a_grade_with(database_url, parent_login)

        teacher_context, teacher = _log_in(browser, server_url, CLASS_TEACHER_LOGIN, "incidents")
        contexts.append(teacher_context)
        teacher.get_by_role("heading", name="Инциденты безопасности").first.wait_for()
        wait_until_idle(teacher)
        teacher.locator("[data-testid=\"stExpander\"] summary").first.click()
        wait_until_idle(teacher)
        _choose_account(teacher, parent_login)
        how = teacher.get_by_label("Как обнаружена компрометация")
        form_box = teacher.locator('[data-testid="stExpander"] details').first
        if form_box.get_attribute("open") is None:  # folded during the rerun of the choice
            form_box.locator("summary").click()
        how.fill(
            "Родитель позвонил: пароль видели посторонние"
        )
        teacher.get_by_text("Известно, с какого времени").click()
        teacher.get_by_role("button", name="Сообщить о компрометации").click()
        teacher.get_by_text("зарегистрирован").first.wait_for()

        # The parent's open session ends on the next action.
        # Families have one «Меню»; choosing «Оценки» in it reruns the app.
        parent.get_by_role("button", name="Меню").click()
        parent.get_by_role("link", name="Оценки").click()
        parent.get_by_label("Логин").wait_for()
        expect(account_button(parent)).to_have_count(0)

        admin_context, admin = _log_in(browser, server_url, "admin")
        contexts.append(admin_context)
        notice = re.compile(f"Инцидент № \\d+.*{re.escape(parent_login)}")
        admin.get_by_text(notice).first.wait_for()
        admin.goto(f"{server_url}/incidents")
        admin.get_by_role("heading", name=re.compile("Инцидент №")).first.wait_for()
        wait_until_idle(admin)
        admin.get_by_text("с момента подозрения").click()
        admin.get_by_text("будут признаны недействительными: 1").wait_for()
        admin.get_by_role(
            "button", name="Признать недействительными и восстановить данные"
        ).click()
        admin.get_by_role("button", name="Признать недействительными", exact=True).click()
        admin.get_by_text("данные восстановлены: 1").first.wait_for()
        voided = admin.locator('[data-testid="stDataFrame"]').filter(has_text="восстановлено")
        expect(voided.first).to_be_attached()
        grids = "\n".join(admin.locator('[data-testid="stDataFrame"]').all_text_contents())
        assert "восстановлено" in grids and "Оценка" in grids
        assert parent_name.split()[0] in grids
        assert _grade_value(database_url, grade_id) == old
    finally:
        for context in contexts:
            context.close()
