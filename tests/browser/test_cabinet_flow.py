"""The demo parent on a phone: switch child, read the day, confirm the week."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.clock import school_today, utcnow
from klassruk.demo.catalogue import DEMO_PASSWORD, TIMEZONE
from klassruk.infra.db import make_engine, make_session_factory
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckKind, Acknowledgement
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass
from klassruk.services import calendar
from tests.browser.conftest import wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000
PHONE = {"width": 390, "height": 844}


def test_parent_on_a_phone_switches_child_reads_the_day_and_confirms_the_week(
    browser, server_url, database_url
):
    context = browser.new_context(viewport=PHONE, locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(server_url)
        page.get_by_label("Логин").fill("roditel")
        page.get_by_label("Пароль").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("heading", name="Главная").first.wait_for()
        wait_until_idle(page)

        # A labelled menu, not an unlabelled «»»; after a choice it is closed again.
        assert page.get_by_test_id("stExpandSidebarButton").count() == 0
        page.get_by_role("button", name="Меню").click()
        page.get_by_role("link", name="Оценки").click()
        page.get_by_role("heading", name="Оценки").first.wait_for()
        wait_until_idle(page)
        page.get_by_text(re.compile(r" · ср\. ")).first.wait_for()
        assert not page.get_by_role("link", name="Расписание").is_visible()
        page.get_by_role("button", name="Меню").click()
        page.get_by_role("link", name="Главная").click()
        page.get_by_role("heading", name="Главная").first.wait_for()
        wait_until_idle(page)

        second = page.get_by_role("radiogroup").get_by_text(re.compile(r", 5А$"))
        second.click()
        page.get_by_text(re.compile(r"^Афанасьева .*, 5А класс$")).wait_for()
        wait_until_idle(page)
        page.get_by_text(re.compile("Замена: вместо")).first.wait_for()
        page.get_by_text(re.compile(r"^объявлено|— объявлено")).first.wait_for()
        page.get_by_text(re.compile(r"^Новые оценки с ")).wait_for()
        newest = page.get_by_text(re.compile(r"^\d — .*\(\d\d\.\d\d\.\d{4}\)$")).first
        newest.wait_for()
        page.get_by_text("Тема урока:", exact=False).first.wait_for()

        page.get_by_role("link", name="Подтвердить ознакомление").click()
        page.get_by_role("heading", name="Ознакомление").first.wait_for()
        wait_until_idle(page)
        page.get_by_text(re.compile(r"^Афанасьева .*, 5А класс$")).wait_for()  # the choice stays
        page.get_by_text("Не подтверждено").first.wait_for()
        before = utcnow()
        page.get_by_role("button", name="Ознакомлен(а) со всем за неделю").click()
        page.get_by_text(re.compile(r"^Ознакомлена?: ")).first.wait_for()
    finally:
        context.close()

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            parent = session.scalar(select(UserAccount).where(UserAccount.login == "roditel"))
            assert parent is not None
            signed = session.scalars(
                select(Acknowledgement).where(
                    Acknowledgement.user_id == parent.id,
                    Acknowledgement.kind == AckKind.WEEK,
                    Acknowledgement.week_start == calendar.week_start(school_today(TIMEZONE)),
                )
            ).all()
            assert len(signed) == 1
            ack = signed[0]
            assert ack.kind is AckKind.WEEK and ack.guardian_id == parent.guardian_id
            # The server's clock is shifted like this process's, each from its own start.
            slack = timedelta(seconds=5)
            assert before - slack <= ack.acknowledged_at <= utcnow() + slack
            assert ack.shown["changes"], "the week with today's substitution was signed"
            assert ack.student_id == _student_in(session, "5")
    finally:
        engine.dispose()



def _student_in(session, grade: str) -> int:  # type: ignore[no-untyped-def]
    """The demo parent's child in the given grade (the demo has one in 5А and one in 7А)."""
    parent = select(UserAccount.guardian_id).where(UserAccount.login == "roditel")
    return session.scalar(
        select(GuardianLink.student_id)
        .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
        .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .where(GuardianLink.guardian_id.in_(parent), SchoolClass.grade == int(grade))
    )
