"""From a journal save to a real SMTP server and SMS gateway: digests, quiet hours, gating."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentEntry
from klassruk.models.journal import Lesson
from klassruk.models.notifications import (
    Cadence,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationItem,
    NotificationKind,
    OutboxEvent,
)
from klassruk.models.school import ReportingPeriod, SchoolYear
from klassruk.services.notifications import contacts
from klassruk.services.notifications.preferences import Preferences, save_preferences
from klassruk.services.school_settings import APP_URL_KEY, set_setting
from klassruk.services.timetable.changes import cancel_lesson, move_lesson
from klassruk.services.timetable.generation import generate_lessons
from tests.core.services.notifications.conftest import (
    confirm_address,
    give_consent,
    send,
    user_id,
)
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import set_cells

PARENT_MAIL = "Elena.Orlova@Example.ru"


def _moscow(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


def _family(factory, config, school, smtp_sink, sms_gateway, *, cadence=Cadence.IMMEDIATE,
            sms=False):
    """parent_a: consent given, e-mail (and SMS) confirmed, the cadence chosen."""
    with unit_of_work(factory, SYSTEM) as session:
        give_consent(session, school, school.two.student_a, school.two.class_a)
    confirm_address(factory, config, "parent_a", Channel.EMAIL, PARENT_MAIL, smtp_sink,
                    sms_gateway)
    if sms:
        confirm_address(factory, config, "parent_a", Channel.SMS, "8 916 123-45-67", smtp_sink,
                        sms_gateway)
    with unit_of_work(factory, SYSTEM) as session:
        parent = actor_of(session, "parent_a")
        session.info["actor"] = parent
        save_preferences(session, parent, preferences=Preferences(
            email=True, sms=sms, cadence=cadence))


def _grades(factory, school, cells, reason=""):
    with unit_of_work(factory, SYSTEM) as session:
        teacher = actor_of(session, "teacher_a")
        session.info["actor"] = teacher
        set_cells(session, teacher, cells, group_id=school.two.group_a, subject_id=school.math,
                  period_id=school.open_period, reason=reason)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_grade_saved_in_the_journal_becomes_one_email_naming_child_subject_grade(
    factory, config, school, smtp_sink, sms_gateway
):
    _family(factory, config, school, smtp_sink, sms_gateway)
    assert smtp_sink.messages == []
    _grades(factory, school, {(school.two.student_a, school.lessons[0]): "5"})
    result = send(factory, config)
    assert result.sent == 1
    (message,) = smtp_sink.messages
    assert message["To"] == "Elena.Orlova@example.ru"
    assert "Орлов Пётр" in message["Subject"] and "Математика" in message["Subject"]
    assert "оценка 5" in message["Subject"]
    body = _text(message)
    assert "Орлов Пётр:" in body and "• Математика: оценка 5 (работа на уроке) за урок" in body
    html = message.get_body(("html",)).get_content()
    assert "<b>Орлов Пётр</b>" in html
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://school.test/?link=") and unsubscribe[1:-1] in body
    # Nothing else is pending, and a second pass sends nothing again.
    assert send(factory, config).sent == 0
    assert len(smtp_sink.messages) == 1


def test_links_follow_the_school_address_the_admin_sets_while_the_sender_runs(
    factory, config, school, smtp_sink, sms_gateway
):
    _family(factory, config, school, smtp_sink, sms_gateway)
    for cell, address in ((0, "http://school.test"), (1, "https://journal.school.example")):
        if cell:  # the admin changes «Настройки школы»; the same sender process sends on
            with unit_of_work(factory, SYSTEM) as session:
                set_setting(session, APP_URL_KEY, address)
        _grades(factory, school, {(school.two.student_a, school.lessons[cell]): "4"})
        assert send(factory, config).sent == 1
        assert smtp_sink.messages[-1]["List-Unsubscribe"].startswith(f"<{address}/?link=")


def test_a_daily_digest_collects_the_days_events_into_one_message(
    factory, config, school, smtp_sink, sms_gateway, frozen_clock
):
    _family(factory, config, school, smtp_sink, sms_gateway, cadence=Cadence.DAILY, sms=True)
    a, b = school.two.student_a, school.student_a2
    first, second = school.lessons[:2]
    _grades(factory, school, {(a, first): "5", (b, first): "4", (a, second): "Н"})
    frozen_clock.move_to(_moscow(30, 14))
    _grades(factory, school, {(a, first): "4"}, reason="ошибка при вводе")
    assert send(factory, config).sent == 0  # 10:00 and 14:00: the digest waits for 18:00
    frozen_clock.move_to(_moscow(30, 18, 1))
    assert send(factory, config).sent == 2  # one e-mail and one SMS
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Сводка за 30.11.2026: Орлов Пётр"
    lines = [line for line in _text(message).splitlines() if line.startswith("• ")]
    assert len(lines) == 3
    assert "изменена с 5 на 4. Причина: ошибка при вводе" in lines[2]
    assert "«Н» — отсутствие" in lines[1]
    assert "Белова" not in _text(message)  # another family's child
    (sms,) = sms_gateway.requests
    assert sms["to"] == "79161234567" and sms["api_id"] == "test-api-id"
    assert len(sms["msg"]) <= 134 and sms["msg"].endswith("http://school.test")
    assert sms["msg"].startswith("Орлов Пётр: Математика: оценка 5")


def test_quiet_hours_hold_messages_until_morning_but_not_an_urgent_cancellation(
    factory, config, school, smtp_sink, sms_gateway, frozen_clock
):
    _family(factory, config, school, smtp_sink, sms_gateway)
    with unit_of_work(factory, SYSTEM) as session:
        year = session.scalar(select(SchoolYear))
        session.add(ReportingPeriod(school_year_id=year.id, name="2 четверть",
                                    starts_on=TODAY - timedelta(days=20),
                                    ends_on=TODAY + timedelta(days=20)))
        session.flush()
        generate_lessons(session, SYSTEM, starts_on=TODAY,
                                   ends_on=TODAY + timedelta(days=3))
    frozen_clock.move_to(_moscow(30, 22, 30))
    _grades(factory, school, {(school.two.student_a, school.lessons[0]): "3"})
    assert send(factory, config).sent == 0
    frozen_clock.move_to(_moscow(30, 23))
    with unit_of_work(factory, SYSTEM) as session:
        # Wednesday's maths becomes tomorrow's first lesson, then is cancelled.
        wednesday = session.scalar(
            select(Lesson).where(Lesson.lesson_date == TODAY + timedelta(days=2))
        )
        move_lesson(session, SYSTEM, lesson_id=wednesday.id,
                              new_date=TODAY + timedelta(days=1), new_number=1)
        cancel_lesson(session, SYSTEM, lesson_id=wednesday.id, reason="ремонт")
    assert send(factory, config).sent == 1  # only the urgent cancellation
    (urgent,) = smtp_sink.messages
    assert "1-й урок отменён. Причина: ремонт" in urgent["Subject"]
    frozen_clock.move_to(_moscow(1, 7, 59, month=12))
    assert send(factory, config).sent == 0
    frozen_clock.move_to(_moscow(1, 8, 0, month=12) + timedelta(seconds=1))
    assert send(factory, config).sent == 1
    morning = _text(smtp_sink.messages[-1])
    assert "оценка 3" in morning and "перенесён" in morning


@pytest.mark.parametrize("obstacle", ["no consent", "blocked"])
def test_a_family_without_consent_or_with_a_blocked_account_receives_nothing(
    factory, config, school, smtp_sink, sms_gateway, obstacle
):
    _family(factory, config, school, smtp_sink, sms_gateway)
    with unit_of_work(factory, SYSTEM) as session:
        if obstacle == "blocked":
            user = session.scalar(select(UserAccount).where(UserAccount.login == "parent_a"))
            user.status = AccountStatus.BLOCKED
        else:
            for entry in session.scalars(select(ConsentEntry)):
                session.delete(entry)
    _grades(factory, school, {(school.two.student_a, school.lessons[0]): "5"})
    result = send(factory, config)
    assert (result.expanded, result.sent) == (1, 0)
    assert smtp_sink.messages == [] and sms_gateway.requests == []
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(NotificationItem)) == 0
        assert session.scalar(select(OutboxEvent.expanded_at)) is not None


def test_a_failing_gateway_is_retried_then_the_failure_is_recorded(
    factory, config, school, smtp_sink, sms_gateway
):
    sms_gateway.failing = True
    with unit_of_work(factory, SYSTEM) as session:
        parent = actor_of(session, "parent_a")
        session.info["actor"] = parent
        contacts.request_verification(session, parent, channel=Channel.SMS,
                                      address="+7 916 123 45 67")
    result = send(factory, config)
    assert (result.sent, result.failed) == (0, 1)
    assert len(sms_gateway.requests) == config.max_attempts
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        row = session.scalar(select(Notification))
        assert row.status is DeliveryStatus.FAILED and row.attempts == config.max_attempts
        assert row.last_error == "шлюз SMS ответил HTTP 503"


def test_retries_back_off_exponentially(factory, config, school, smtp_sink, sms_gateway,
                                       frozen_clock):
    slow = replace(config, backoff_s=60)
    sms_gateway.failing = True
    with unit_of_work(factory, SYSTEM) as session:
        parent = actor_of(session, "parent_a")
        session.info["actor"] = parent
        contacts.request_verification(session, parent, channel=Channel.SMS,
                                      address="+79161234567")
    assert send(factory, slow).retried == 1
    frozen_clock.shift(59)
    assert send(factory, slow).retried == 0  # not yet due
    frozen_clock.shift(2)
    assert send(factory, slow).retried == 1
    frozen_clock.shift(121)
    sms_gateway.failing = False
    assert send(factory, slow).sent == 1
    assert len(sms_gateway.requests) == 3




def test_worker_threads_send_each_message_once_and_record_every_outcome(
    factory, config, school, smtp_sink, sms_gateway
):
    with unit_of_work(factory, SYSTEM) as session:
        parent = user_id(session, "parent_a")
        session.add_all(
            Notification(user_id=parent, channel=Channel.EMAIL,
                         kind=NotificationKind.VERIFICATION, address=f"family{n}@example.ru",
                         subject=f"Письмо {n}", body_text="Текст")
            for n in range(45)
        )
    result = send(factory, replace(config, workers=3))
    assert (result.sent, result.failed, result.retried) == (45, 0, 0)
    assert sorted(str(m["To"]) for m in smtp_sink.messages) == sorted(
        f"family{n}@example.ru" for n in range(45))
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert set(session.scalars(select(Notification.status))) == {DeliveryStatus.SENT}
        assert session.scalar(select(func.max(Notification.attempts))) == 1
