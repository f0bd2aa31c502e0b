"""In Chromium, a name full of Markdown and HTML is shown as typed: no link, no bold, no tag."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from components.kit.text import WORD_JOINER
from klassruk.access.permissions import Role
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.school import Enrolment, Guardian, GuardianLink, Relation
from tests.browser.conftest import wait_until_idle
from tests.factories import SYSTEM, TEST_PASSWORD, make_account

pytestmark = pytest.mark.browser
LOGIN = "markdown_parent"
NAME = "**Жирный** [ссылка](javascript:alert(1)) <b>Тег</b> :red[Красный] www.example.com"


@pytest.fixture
def odd_guardian(server_url, database_url):
    """A guardian of a demo pupil whose name and account name are Markdown and HTML."""
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine), SYSTEM) as session:
            if session.scalar(select(Guardian.id).where(Guardian.last_name == NAME)) is None:
                guardian = Guardian(last_name=NAME, first_name="<i>Имя</i>")
                session.add(guardian)
                session.flush()
                pupil = session.scalars(select(Enrolment.student_id)).first()
                assert pupil is not None
                link = GuardianLink(
                    guardian_id=guardian.id, student_id=pupil, relation=Relation.MOTHER
                )
                session.add(link)
                account = make_account(session, LOGIN, {Role.GUARDIAN}, guardian_id=guardian.id)
                account.display_name = NAME
    finally:
        engine.dispose()
    return server_url


def test_markdown_and_html_in_a_name_render_as_plain_text(browser, odd_guardian):
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(odd_guardian)
        page.get_by_label("Логин").fill(LOGIN)
        page.get_by_label("Пароль").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("heading", name="Главная", exact=True).first.wait_for()
        wait_until_idle(page)
        # A family's own name is in the «Меню» popover; every character as typed (links are
        # broken by an invisible word joiner).
        page.get_by_role("button", name="Меню").click()
        page.get_by_role("button", name="Выйти").wait_for()
        assert NAME in page.locator("body").inner_text().replace(WORD_JOINER, "")
        links = page.locator("a", has_text=re.compile("ссылка|example"))
        assert links.count() == 0, links.evaluate_all("els => els.map(e => e.outerHTML)")
        assert page.locator('a[href^="javascript"]').count() == 0
        assert page.locator("strong", has_text=re.compile(r"^Жирный$")).count() == 0
        assert page.locator("b, i, em", has_text=re.compile("Тег|Имя|Жирный")).count() == 0
        assert page.locator("span", has_text=re.compile(r"^Красный$")).count() == 0
    finally:
        context.close()
