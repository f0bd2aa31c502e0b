"""The class teacher asks families for «Ознакомлен(а)»; the demo parent confirms; she sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from klassruk.infra.db import make_engine, make_session_factory
from klassruk.models.accounts import UserAccount
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass, Staff
from tests.browser.conftest import log_in_at, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def _class_of_demo_class_teacher(database_url: str) -> str:
    """The name (e.g. «5А») of the class teacher's class, where the demo parent has a child."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            teacher = select(UserAccount.staff_id).where(UserAccount.login == "klassruk")
            guardian = select(UserAccount.guardian_id).where(UserAccount.login == "roditel")
            school_class = session.scalar(
                select(SchoolClass)
                .join(Staff, Staff.id == SchoolClass.class_teacher_id)
                .join(Enrolment, Enrolment.class_id == SchoolClass.id)
                .join(GuardianLink, GuardianLink.student_id == Enrolment.student_id)
                .where(Staff.id.in_(teacher), GuardianLink.guardian_id.in_(guardian))
            )
            assert school_class is not None
            return school_class.name
    finally:
        engine.dispose()


def test_class_teacher_asks_parent_acknowledges_in_cabinet_teacher_sees_it(
    browser, server_url, database_url
):
    class_name = _class_of_demo_class_teacher(database_url)
    teacher = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    parent = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        page = teacher.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        log_in_at(page, f"{server_url}/class_messages", "klassruk", "Сообщения семьям")
        page.get_by_label("Тема").fill("Сбор на экскурсию")
        page.get_by_label("Текст").fill("В пятницу в 9:00 у главного входа.")
        page.get_by_text("Попросить подтвердить «Ознакомлен(а)»").click()
        page.get_by_role("button", name="Отправить").click()
        # The confirmation names the families and letters; its «Отправить» comes after the form's.
        page.get_by_text("Отправить сообщение «Сбор на экскурсию»").wait_for()
        page.get_by_role("button", name="Отправить").last.click()
        page.get_by_text("Сообщение «Сбор на экскурсию» отправлено.").wait_for()

        family = parent.new_page()
        family.set_default_timeout(TIMEOUT_MS)
        log_in_at(family, f"{server_url}/notifications", "roditel", "Уведомления")
        family.get_by_role("radiogroup").get_by_text(re.compile(f", {class_name}$")).click()
        wait_until_idle(family)
        family.get_by_text("В пятницу в 9:00 у главного входа.").wait_for()
        family.get_by_role("button", name="Ознакомлен(а)").click()
        family.get_by_text("Ознакомление подтверждено.").wait_for()
        family.get_by_text(re.compile(r"^Ознакомлен\(а\): \d\d\.\d\d\.\d{4}")).wait_for()

        page.reload()
        page.get_by_role("heading", name="Сообщения семьям").first.wait_for()
        wait_until_idle(page)
        page.get_by_role("tab", name="Отправленные").click()
        grids = page.locator('[data-testid="stDataFrame"]').filter(
            has_text="в электронном дневнике"
        )
        expect(grids.first).to_be_attached()
        text = "\n".join(page.locator('[data-testid="stDataFrame"]').all_text_contents())
        assert "Сбор на экскурсию" in text
    finally:
        teacher.close()
        parent.close()
