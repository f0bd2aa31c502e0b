"""AppTest: the consent register and the paper extracts pages on the demo school."""

from __future__ import annotations

from sqlalchemy import func, select

from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.extracts import PaperExtract
from klassruk.models.school import GuardianLink
from tests.factories import SYSTEM
from tests.frozen import TODAY


def _table(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_class_teacher_records_a_returned_form_for_a_guardian_not_asked_yet(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Не запрашивалось"] == "2" and metrics["Отозвано"] == "1"
    assert metrics["Отказ"] == "1"
    at.checkbox(key="consent_filter_missing").check().run()
    assert set(_table(at, "Чьи данные")["Состояние"]) == {"не запрашивалось"}
    target = next(
        o
        for o in at.selectbox(key="consent_target").options
        if "данные ребёнка" in o and "не запрашивалось" in o
    )
    at.selectbox(key="consent_target").set_value(target)
    at.text_input(key="consent_number").input("ПД-0999")
    next(b for b in at.button if b.label == "Записать").click().run()
    assert not at.exception
    assert at.success and "Записано" in at.success[0].value
    assert {m.label: m.value for m in at.metric}["Не запрашивалось"] == "1"
    with factory() as session:
        entry = session.scalar(select(ConsentEntry).where(ConsentEntry.form_number == "ПД-0999"))
        assert entry.state is ConsentState.GIVEN and entry.recorded_by == "klassruk"
    # Giving again is not a transition: the page says so and changes nothing.
    at.selectbox(key="consent_target").set_value(target.replace("не запрашивалось", "дано"))
    at.text_input(key="consent_number").input("ПД-1000")
    next(b for b in at.button if b.label == "Записать").click().run()
    assert at.error and "нельзя" in at.error[0].value
    assert any(b.label.startswith("Скачать таблицу") for b in at.get("download_button"))


def test_a_filter_nobody_matches_says_so_in_russian_not_with_an_empty_grid(logged_in):
    # Streamlit's grid without rows reads «empty»: the kit's table writes a Russian line.
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    at.multiselect(key="consent_filter_state").set_value(["отказ"])
    at.checkbox(key="consent_filter_missing").check().run()
    assert not at.exception
    assert not [df for df in at.dataframe if "Бумага по выбору" in df.value.columns]
    assert "По выбранным условиям никого нет." in [c.value for c in at.caption]


def test_deputy_head_reads_the_register_without_recording(logged_in):
    at = logged_in("zavuch")
    at.switch_page("app_pages/consent.py").run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Записать"]
    assert _table(at, "Чьи данные").shape[0] > 0


def test_class_teacher_prints_the_paper_batch_and_marks_a_slip_returned(logged_in, factory):
    at = logged_in("klassruk")
    assert any("Пора выдать бумажные выписки" in w.value for w in at.warning)
    at.switch_page("app_pages/extracts.py").run()
    assert not at.exception
    paper = _table(at, "Почему на бумаге")
    at.button(key="extracts_print").click().run()
    assert not at.exception
    assert f"Напечатано выписок: {len(paper)}" in at.success[0].value
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(PaperExtract)) == 2 + len(paper)
    register = _table(at, "Талон возвращён")
    assert len(register) == 2 + len(paper)
    picker = at.selectbox(key="extracts_pick")
    picker.set_value(picker.options[0])
    at.radio(key="extracts_action").set_value("талон возвращён")
    at.button(key="extracts_mark").click().run()
    assert not at.exception and "талон возвращён" in at.success[0].value
    assert (_table(at, "Талон возвращён")["Талон возвращён"] != "—").sum() == 2


def test_a_parent_whose_consent_was_withdrawn_sees_why_instead_of_the_cabinet(logged_in, factory):
    with factory() as session:
        session.info["actor"] = SYSTEM
        parent = session.scalar(select(UserAccount).where(UserAccount.login == "roditel"))
        for child in session.scalars(
            select(GuardianLink.student_id).where(GuardianLink.guardian_id == parent.guardian_id)
        ):
            session.add(
                ConsentEntry(
                    subject=ConsentSubject.CHILD,
                    guardian_id=parent.guardian_id,
                    student_id=child,
                    state=ConsentState.WITHDRAWN,
                    signed_on=TODAY,
                    form_number="ПД-отзыв",
                    recorded_by="klassruk",
                )
            )
        session.commit()
    at = logged_in("roditel")
    assert not at.exception
    at.switch_page("app_pages/cabinet_grades.py").run()
    assert not at.exception
    assert any(
        "не предоставляются" in w.value and "подпишите согласие" in w.value for w in at.warning
    )


def test_the_consent_history_numbers_a_persons_entries_not_by_record_ids(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    picker = at.selectbox(key="consent_target")
    target = [o for o in picker.options if "не запрашивалось" in o][-1]
    person = target.split(" — ")[0]
    picker.set_value(target)
    at.text_input(key="consent_number").input("ПД-0778")
    next(b for b in at.button if b.label == "Записать").click().run()
    assert not at.exception and at.success
    with factory() as session:
        newest = session.scalar(select(func.max(ConsentEntry.id)))
    at.selectbox(key="consent_history_for").set_value(person).run()
    history = next(df.value for df in at.dataframe if "Причина" in df.value.columns)
    numbers = list(history["№"])
    assert numbers == list(range(1, len(numbers) + 1))
    assert newest not in numbers  # the new entry's record id is not shown
