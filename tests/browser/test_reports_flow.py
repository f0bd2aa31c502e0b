"""Reports in a browser: the deputy head sends the analytical report, the class teacher reads it.

Also: the PDF downloaded from the page holds the metrics; the activity report flags the demo
families that never logged in.
"""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from klassruk.access.permissions import Actor
from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, DEPUTY_HEAD_LOGIN
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.school import SchoolClass
from tests.browser.conftest import log_in_at, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def _own_class(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with unit_of_work(make_session_factory(engine), Actor.system("test"),
                          read_only=True) as session:
            name = session.scalar(
                select(SchoolClass)
                .join(UserAccount, UserAccount.staff_id == SchoolClass.class_teacher_id)
                .where(UserAccount.login == CLASS_TEACHER_LOGIN)
            )
            assert name is not None
            return name.name
    finally:
        engine.dispose()


def test_sent_report_is_new_for_the_class_teacher_then_read(
    browser, server_url, database_url, tmp_path
):
    own = _own_class(database_url)
    deputy = browser.new_context(locale="ru-RU", accept_downloads=True)
    teacher = browser.new_context(locale="ru-RU")
    try:
        page = deputy.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/analytical_reports", DEPUTY_HEAD_LOGIN,
                  "Аналитические отчёты")
        page.get_by_role("combobox", name="Класс").click()
        page.get_by_role("option", name=own, exact=True).click()
        wait_until_idle(page)
        page.get_by_text(f"{own} класс,").first.wait_for()
        with page.expect_download() as download:
            page.get_by_role("button", name="Скачать PDF").click()
        pdf = tmp_path / "report.pdf"
        download.value.save_as(pdf)
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
        assert f"Аналитический отчёт: {own} класс" in text
        assert re.search(r"Успеваемость Качество СОУ Ср\. балл", text)
        assert re.search(r"\d+,\d % \d+,\d % \d+,\d % \d,\d\d", text)
        page.get_by_role("button", name=f"Отправить отчёт {own} классному руководителю").click()
        page.get_by_text("отправлен").first.wait_for()
        page.get_by_text("Прочитано отчётов: 0 из 1.").wait_for()

        mine = teacher.new_page()
        mine.set_default_timeout(TIMEOUT_MS)
        log_in_at(mine, server_url, CLASS_TEACHER_LOGIN, "Главная")
        mine.get_by_text("Новый аналитический отчёт от заместителя директора").wait_for()
        mine.get_by_role("link", name="Открыть аналитические отчёты").click()
        mine.get_by_role("heading", name="Аналитические отчёты").wait_for()
        wait_until_idle(mine)
        mine.get_by_role("combobox", name="Отчёт").click()
        mine.get_by_role("option", name=re.compile("^новый · ")).click()
        mine.get_by_text("Успеваемость").first.wait_for()
        mine.get_by_text(f"{own} класс,").first.wait_for()

        page.reload()
        page.get_by_role("heading", name="Аналитические отчёты").wait_for()
        page.get_by_text("Прочитано отчётов: 1 из 1.").wait_for()
    finally:
        deputy.close()
        teacher.close()


def test_activity_report_flags_families_that_never_logged_in(browser, server_url):
    context = browser.new_context(locale="ru-RU")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/activity_report", CLASS_TEACHER_LOGIN,
                  "Активность и ознакомление родителей")
        never = page.locator('[data-testid="stMetric"]', has_text="Ни разу не входили")
        never.wait_for()
        assert int(never.locator('[data-testid="stMetricValue"]').inner_text()) > 0
    finally:
        context.close()
