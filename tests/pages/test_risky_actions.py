"""AppTest: risky actions wait for a word naming what happens to whom; some need a reason."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from klassruk.models.consent import ConsentEntry, ConsentState
from klassruk.models.journal import Lesson, LessonChange, LessonStatus
from klassruk.models.school import ReportingPeriod
from tests.frozen import TODAY


def _question(at, start: str) -> str | None:
    return next((w.value for w in at.warning if w.value.startswith(start)), None)


def test_a_period_under_way_is_not_offered_for_closing(logged_in, factory):
    at = logged_in("zavuch")
    at.switch_page("app_pages/timetable.py").run()
    with factory() as session:
        periods = session.scalars(select(ReportingPeriod).where(ReportingPeriod.ends_on > TODAY))
        ahead = {p.id: p.name for p in periods}
    assert len(ahead) > 1  # the current period and those after it
    for period_id, name in ahead.items():
        button = at.button(key=f"tt_close_{period_id}")
        assert button.disabled and f"Период «{name}» ещё не закончился" in button.help


def test_closing_a_period_waits_for_the_confirmation_and_cancel_keeps_it_open(
    logged_in, factory, frozen_clock
):
    with factory() as session:
        period = session.scalar(
            select(ReportingPeriod)
            .where(ReportingPeriod.is_closed.is_(False))
            .order_by(ReportingPeriod.starts_on)
        )
        period_id, name = period.id, period.name
        # Only an ended period can be closed: the school's clock goes to the day after it.
        frozen_clock.move_to(datetime.combine(period.ends_on + timedelta(days=1), time(7), UTC))
    at = logged_in("zavuch")
    at.switch_page("app_pages/timetable.py").run()
    at.button(key=f"tt_close_{period_id}").click().run()
    question = _question(at, "Закрыть период")
    assert question and f"«{name}»" in question and "Учителя больше не смогут" in question
    at.button(key="tt_period_confirm_no").click().run()
    assert not _question(at, "Закрыть период")
    with factory() as session:
        assert not session.get(ReportingPeriod, period_id).is_closed
    at.button(key=f"tt_close_{period_id}").click().run()
    at.button(key="tt_period_confirm_yes").click().run()
    assert not at.exception and [s.value for s in at.success] == [f"Период «{name}» закрыт."]
    with factory() as session:
        assert session.get(ReportingPeriod, period_id).is_closed
    at.button(key=f"tt_open_{period_id}").click().run()
    assert "Учителя снова смогут" in _question(at, "Открыть закрытый период")
    at.button(key="tt_period_confirm_yes").click().run()
    with factory() as session:
        assert not session.get(ReportingPeriod, period_id).is_closed


def test_cancelling_a_lesson_asks_whom_it_touches_and_requires_a_reason(logged_in, factory):
    at = logged_in("zavuch")
    at.switch_page("app_pages/timetable.py").run()
    # Tomorrow's lessons have no grades yet: a lesson with grades cannot be cancelled at all.
    at.date_input(key="tt_ch_day").set_value(TODAY + timedelta(days=1))
    at.radio(key="tt_ch_kind").set_value("Отмена").run()
    lessons = at.selectbox(key="tt_ch_lesson")
    index = next(i for i, text in enumerate(lessons.options) if not text.endswith("отменён"))
    lessons.set_value(index).run()
    lesson_label = lessons.options[index]
    with factory() as session:
        before = set(session.scalars(select(LessonChange.id)))
    at.button(key="tt_ch_cancel").click().run()
    assert not at.exception
    question = _question(at, "Отменить урок")
    subject = lesson_label.split(". ", 1)[1].split(" (")[0]
    assert question and subject in question and "Семьи группы сразу увидят" in question
    at.button(key="tt_cancel_confirm_yes").click().run()  # no reason typed
    assert any("Укажите причину" in e.value for e in at.error)
    with factory() as session:
        assert set(session.scalars(select(LessonChange.id))) == before
    at.text_input(key="tt_cancel_confirm_reason").input("учитель на курсах")
    at.button(key="tt_cancel_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Урок отменён."], [e.value for e in at.error]
    with factory() as session:
        [change] = session.scalars(select(LessonChange).where(LessonChange.id.not_in(before))).all()
        assert change.reason == "учитель на курсах"
        assert session.get(Lesson, change.lesson_id).status is LessonStatus.CANCELLED


def _consent_rows(factory) -> list[tuple]:
    with factory() as session:
        return list(
            session.execute(
                select(ConsentEntry.id, ConsentEntry.state, ConsentEntry.reason).order_by(
                    ConsentEntry.id
                )
            )
        )


def test_withdrawing_consent_names_the_people_requires_a_reason_and_keeps_it(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    picker = at.selectbox(key="consent_target")
    target = next(o for o in picker.options if "данные ребёнка" in o and "(дано)" in o)
    parent, child = target.split(" — ")[0], target.split(": ")[1].split(" (")[0]
    picker.set_value(target)
    at.radio(key="consent_state").set_value("отозвано")
    at.text_input(key="consent_number").input("ПД-отзыв-1")
    before = _consent_rows(factory)
    next(b for b in at.button if b.label == "Записать").click().run()
    assert not at.exception and not at.success
    question = _question(at, "Отозвать согласие")
    assert f"Родитель: {parent}" in question and f"ребёнок — {child}" in question
    assert "Электронная доставка прекратится сразу" in question
    assert _consent_rows(factory) == before
    at.button(key="consent_withdraw_yes").click().run()
    assert any("Укажите причину" in e.value for e in at.error)
    assert _consent_rows(factory) == before
    at.text_input(key="consent_withdraw_reason").input("заявление родителя от 30.11.2026")
    at.button(key="consent_withdraw_yes").click().run()
    assert not at.exception and at.success
    added = _consent_rows(factory)[len(before) :]
    assert [(state, reason) for _, state, reason in added] == [
        (ConsentState.WITHDRAWN, "заявление родителя от 30.11.2026")
    ]
    # The person just edited stays chosen, its label now saying «отозвано»; the history shows why.
    assert at.selectbox(key="consent_target").value == target.replace("(дано)", "(отозвано)")
    at.selectbox(key="consent_history_for").set_value(parent).run()
    history = next(df.value for df in at.dataframe if "Причина" in df.value.columns)
    assert "заявление родителя от 30.11.2026" in list(history["Причина"])


def test_the_consent_picker_keeps_the_person_just_saved(logged_in):
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    picker = at.selectbox(key="consent_target")
    target = [o for o in picker.options if "не запрашивалось" in o][-1]
    assert target != picker.options[0]
    picker.set_value(target)
    at.text_input(key="consent_number").input("ПД-0777")
    next(b for b in at.button if b.label == "Записать").click().run()
    assert not at.exception and at.success
    assert at.selectbox(key="consent_target").value == target.replace(
        "(не запрашивалось)", "(дано)"
    )


def _messages(factory) -> list[int]:
    from klassruk.models.notifications import ClassMessage

    with factory() as session:
        return list(session.scalars(select(ClassMessage.id)))


def _write(at, title: str):
    at.text_input(key="message_title").input(title)
    at.text_area(key="message_body").input("Собрание в четверг в 18:00.")
    next(b for b in at.button if b.label == "Отправить").click()
    return at.run()


def test_a_message_to_the_class_waits_for_a_word_and_cancel_keeps_the_text(logged_in, factory):
    # One class is confirmed too: letters and SMS cannot be called back, and the count of
    # paper families is news to the sender.
    import re

    at = logged_in("klassruk").switch_page("app_pages/class_messages.py").run()
    at = _write(at, "Собрание")
    question = _question(at, "Отправить сообщение «Собрание»")
    assert re.match(
        r"Отправить сообщение «Собрание» \d+\sсемь(е|ям) 7А класса "
        r"\(\d+\sпис\w+, \d+ SMS\)\?",
        question,
    ), question
    assert _messages(factory) == []
    at.button(key="message_send_no").click().run()
    assert not _question(at, "Отправить сообщение")
    assert at.text_input(key="message_title").value == "Собрание"
    assert _messages(factory) == []
    next(b for b in at.button if b.label == "Отправить").click().run()
    at.button(key="message_send_yes").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Сообщение «Собрание» отправлено."]
    assert len(_messages(factory)) == 1
    assert at.text_input(key="message_title").value == ""


def test_a_message_to_the_whole_school_names_families_letters_and_sms_as_sent(logged_in, factory):
    import re

    from klassruk.clock import utcnow
    from klassruk.infra.db import unit_of_work
    from klassruk.models.accounts import UserAccount
    from klassruk.models.notifications import (
        Channel,
        ClassMessageRecipient,
        EventKind,
        MessageAudience,
        NotificationContact,
        NotificationItem,
        NotificationPreference,
        OutboxEvent,
    )
    from klassruk.services.notifications.outbox import expand_events
    from klassruk.text.russian import Case, counted
    from tests.factories import SYSTEM

    # Every parent has a confirmed e-mail; the demo parent (two children) takes SMS too.
    with unit_of_work(factory, SYSTEM) as session:
        parents = session.execute(
            select(UserAccount.id, UserAccount.login).where(UserAccount.guardian_id.is_not(None))
        ).all()
        for user_id, login in parents:
            session.add(
                NotificationContact(
                    user_id=user_id,
                    channel=Channel.EMAIL,
                    address=f"{login}@example.ru",
                    verified_at=utcnow(),
                )
            )
            if login == "roditel":
                session.add(
                    NotificationContact(
                        user_id=user_id,
                        channel=Channel.SMS,
                        address="+79161112233",
                        verified_at=utcnow(),
                    )
                )
                session.add(NotificationPreference(user_id=user_id, email=True, sms=True))
    at = logged_in("zavuch").switch_page("app_pages/class_messages.py").run()
    at.radio(key="message_audience").set_value(MessageAudience.SCHOOL).run()
    at = _write(at, "Собрание")
    question = _question(at, "Отправить сообщение «Собрание»")
    found = re.search(r"«Собрание» (\d+)\s\w+ всей школы \((\d+)\s\w+, (\d+) SMS\)\?", question)
    assert found, question
    families, emails, sms = map(int, found.groups())
    assert emails > 0 and sms == 1
    assert f"{counted(families, 'семья', Case.DATIVE)} всей школы" in question
    assert f"({counted(emails, 'письмо')}, {sms} SMS)" in question
    assert _messages(factory) == []
    at.button(key="message_send_yes").click().run()
    assert not at.exception
    [message_id] = _messages(factory)
    # What the sender makes of it: one e-mail and one SMS per login, as the question said.
    with unit_of_work(factory, SYSTEM) as session:
        while expand_events(session, now=utcnow()):
            pass
    with factory() as session:
        recipients = session.scalars(
            select(ClassMessageRecipient).where(ClassMessageRecipient.message_id == message_id)
        ).all()
        items = session.execute(
            select(NotificationItem.user_id, NotificationItem.channel, OutboxEvent.payload)
            .join(OutboxEvent, OutboxEvent.id == NotificationItem.event_id)
            .where(OutboxEvent.kind == EventKind.CLASS_MESSAGE)
        ).all()
    logins = {
        (user, channel) for user, channel, payload in items if payload["message_id"] == message_id
    }
    assert len(recipients) == families
    assert sum(channel is Channel.EMAIL for _, channel in logins) == emails
    assert sum(channel is Channel.SMS for _, channel in logins) == sms
    paper = sum(r.paper for r in recipients)
    assert (f"На бумаге, в ближайшей выписке, — {counted(paper, 'семья')}." in question) == (
        paper > 0
    )
