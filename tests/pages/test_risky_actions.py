"""AppTest: risky actions wait for a word naming what happens to whom; some need a reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from klassruk.models.consent import ConsentEntry, ConsentState
from klassruk.models.journal import Lesson, LessonChange, LessonStatus
from klassruk.models.school import ReportingPeriod
from tests.frozen import TODAY


def _question(at, start: str) -> str | None:
    return next((w.value for w in at.warning if w.value.startswith(start)), None)


def test_closing_a_period_waits_for_the_confirmation_and_cancel_keeps_it_open(logged_in, factory):
    at = logged_in("zavuch")
    at.switch_page("app_pages/timetable.py").run()
    with factory() as session:
        period = session.scalar(
            select(ReportingPeriod).where(ReportingPeriod.is_closed.is_(False))
            .order_by(ReportingPeriod.starts_on)
        )
        period_id, name = period.id, period.name
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
        [change] = session.scalars(
            select(LessonChange).where(LessonChange.id.not_in(before))
        ).all()
        assert change.reason == "учитель на курсах"
        assert session.get(Lesson, change.lesson_id).status is LessonStatus.CANCELLED


def _consent_rows(factory) -> list[tuple]:
    with factory() as session:
        return list(session.execute(
            select(ConsentEntry.id, ConsentEntry.state, ConsentEntry.reason)
            .order_by(ConsentEntry.id)
        ))


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
    added = _consent_rows(factory)[len(before):]
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
