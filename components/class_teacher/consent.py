"""The consent register's sections and the paper list that the extracts page shows too."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act
from components.kit.pickers import kept_choice, multi_picker
from components.kit.runtime import db, school_settings
from components.kit.tables import show_table
from components.kit.uploads import file_picker
from components.kit.xlsx import xlsx_button
from klassruk.access.permissions import Actor
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    CONSENT_SUBJECT_TITLES,
    ConsentState,
    ConsentSubject,
)
from klassruk.pdf.consent_forms import render_consent_forms
from klassruk.services.consent.forms import consent_forms
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.consent.register import ClassConsent, ConsentRow, PaperFamily
from klassruk.services.consent.scans import MAX_SCAN_BYTES, ScanUpload
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_date, format_timestamp

WITHDRAW_CONFIRM = "consent_withdraw"


def paper_list(paper: list[PaperFamily], *, key: str) -> None:
    """Who gets the school's information on paper, and why."""
    if not paper:
        st.caption("Все семьи класса получают сведения в электронном виде.")
        return
    show_table(
        {
            "Родитель": [p.guardian for p in paper],
            "Ребёнок": [p.student for p in paper],
            "Почему на бумаге": [p.reason for p in paper],
        },
        key=key,
    )


def whose_data(subject: ConsentSubject, child: str | None) -> str:
    """Whose personal data an entry is about: «свои данные», «данные ребёнка: Иванов Иван»."""
    return CONSENT_SUBJECT_TITLES[subject] + (f": {child}" if child else "")


def _identity(row: ConsentRow) -> tuple[ConsentSubject, int | None, int | None]:
    return row.subject, row.guardian_id, row.student_id


def label(row: ConsentRow) -> str:
    """«Person — whose data: child (state)» as the pickers list a register row."""
    child = row.child if row.subject is ConsentSubject.CHILD else None
    return f"{row.person} — {whose_data(row.subject, child)} ({CONSENT_STATE_TITLES[row.state]})"


def state_table(board: ClassConsent, chosen: ClassChoice) -> None:
    """Counts per state, the filtered table and its XLSX."""
    columns = st.columns(len(ConsentState) + 1)
    for column, state in zip(columns, ConsentState, strict=False):
        column.metric(CONSENT_STATE_TITLES[state].capitalize(), board.counts[state])
    columns[-1].metric("Семей на бумаге", len(board.paper))
    left, right = st.columns(2)
    with left:
        states = multi_picker(
            "Состояние", [CONSENT_STATE_TITLES[s] for s in ConsentState],
            key="consent_filter_state", placeholder="Все состояния",
        )
    not_returned = right.checkbox("Только не вернувшие бланк", key="consent_filter_missing")
    rows = [
        row for row in board.rows
        if (not states or CONSENT_STATE_TITLES[row.state] in states)
        and (not not_returned or row.state is ConsentState.NOT_ASKED)
    ]
    zone = school_settings().timezone
    table = pd.DataFrame(
        {
            "Кто": [row.person for row in rows],
            "Чьи данные": [
                whose_data(row.subject, row.child if row.subject is ConsentSubject.CHILD else None)
                for row in rows
            ],
            "Состояние": [CONSENT_STATE_TITLES[row.state] for row in rows],
            "Дата подписи": [format_date(row.signed_on) for row in rows],
            "№ бланка": [row.form_number or "—" for row in rows],
            "Скан": ["есть" if row.has_scan else "—" for row in rows],
            "Бумага по выбору": ["да" if row.prefers_paper else "—" for row in rows],
            "Записано": [format_timestamp(row.recorded_at, zone) for row in rows],
            "Кем": [row.recorded_by or "—" for row in rows],
        }
    )
    show_table(table, key="consent_table", empty="По выбранным условиям никого нет.")
    xlsx_button(table, sheet=f"Согласия {chosen.name}", file_name=f"soglasiya_{chosen.name}.xlsx",
                key="consent_xlsx")


def forms(actor: Actor, board: ClassConsent, chosen: ClassChoice, on: date) -> None:
    """Consent forms to print: one guardian's, or all who have not returned one."""
    st.subheader("Бланки согласия")
    guardians = {row.person: row.guardian_id for row in board.rows if row.guardian_id is not None}
    form_for = st.selectbox(
        "Для кого", ["Все, кто ещё не вернул бланк", *guardians], key="consent_form_for"
    )
    if st.button("Подготовить бланки (PDF)", key="consent_forms_make"):
        with db(actor) as session:
            made = consent_forms(session, actor, class_id=chosen.class_id, on=on,
                                 guardian_id=guardians.get(form_for))
        pdf = render_consent_forms(made, school_name=school_settings().school_name)
        st.session_state["consent_forms_pdf"] = (chosen.class_id, pdf, len(made))
    ready = st.session_state.get("consent_forms_pdf")
    if ready and ready[0] == chosen.class_id:
        st.download_button(
            f"Скачать бланки: {ready[2]}", data=ready[1], file_name=f"soglasie_{chosen.name}.pdf",
            mime="application/pdf", key="consent_forms_download", icon=":material/print:",
        )


def withdrawal_question(row: ConsentRow) -> str:
    """What withdrawing this consent does, and to whom (names as the register lists them)."""
    if row.subject is ConsentSubject.STUDENT_SELF:
        who = f"Обучающийся: {row.person}. Чьи данные: свои."
        effect = "личный кабинет обучающегося закроется, если нет согласия родителя"
    else:
        whose = f"ребёнок — {row.child}" if row.subject is ConsentSubject.CHILD else "свои"
        who = f"Родитель: {row.person}. Чьи данные: {whose}."
        effect = "сеансы родителя завершатся, сведения пойдут на бумаге"
    return (
        f"Отозвать согласие на обработку персональных данных? {who} "
        f"Электронная доставка прекратится сразу: {effect}."
    )


def record(actor: Actor, board: ClassConsent, chosen: ClassChoice, on: date) -> None:
    """Record a returned form (or a correction of the last entry); a withdrawal confirms first."""
    st.subheader("Записать бланк")
    rows = {_identity(row): row for row in board.rows}
    decisions = {CONSENT_STATE_TITLES[s]: s for s in
                 (ConsentState.GIVEN, ConsentState.REFUSED, ConsentState.WITHDRAWN)}
    with st.form("consent_record", clear_on_submit=False):
        # Kept by person: after a save the label's state changes, the person stays chosen.
        picked = kept_choice(
            "Чьё согласие", {key: label(row) for key, row in rows.items()}, key="consent_target"
        )
        state = decisions[st.radio("Решение по бланку", list(decisions), horizontal=True,
                                   key="consent_state")]
        col_date, col_number = st.columns(2)
        signed_on = col_date.date_input("Дата подписи", value=on, max_value=on,
                                        format="DD.MM.YYYY", key="consent_signed_on")
        number = col_number.text_input("№ бланка", max_chars=40, key="consent_number")
        paper = st.checkbox("Родитель просит сведения на бумаге (например, нет интернета)",
                            key="consent_paper")
        upload = file_picker("Скан подписанного бланка", kinds=["pdf", "jpg", "jpeg", "png"],
                             max_bytes=MAX_SCAN_BYTES, key="consent_scan")
        correction = st.checkbox("Это исправление ошибочной последней записи",
                                 key="consent_is_correction")
        reason = st.text_input("Причина (для исправления или отзыва)", max_chars=500,
                               key="consent_reason")
        submitted = st.form_submit_button("Записать", type="primary")
    if submitted and picked is not None:
        target = rows[picked]
        fact = ConsentFact(
            subject=target.subject, state=state,
            signed_on=signed_on if isinstance(signed_on, date) else None,
            form_number=number, guardian_id=target.guardian_id, student_id=target.student_id,
            prefers_paper=paper,
        )
        scan = ScanUpload(upload.name, upload.getvalue()) if upload else None
        corrects = target.entry_id if correction else None
        if state is ConsentState.WITHDRAWN and corrects is None:
            ask(WITHDRAW_CONFIRM, Risky(
                withdrawal_question(target), "Отозвать согласие", payload=(target, fact, scan),
                reason="Причина отзыва (хранится в истории записей)",
            ), reason=reason)
        else:
            _save(actor, chosen, on, target, fact, scan, corrects, reason)
    answer = confirmed(WITHDRAW_CONFIRM)
    if answer is not None:
        target, fact, scan = answer.payload
        _save(actor, chosen, on, target, fact, scan, None, answer.reason)


def _save(
    actor: Actor, chosen: ClassChoice, on: date, target: ConsentRow, fact: ConsentFact,
    scan: ScanUpload | None, corrects: int | None, reason: str,
) -> None:
    act(actor, lambda session: record_consent(
        session, actor, class_id=chosen.class_id, on=on, fact=fact, scan=scan,
        corrects_id=corrects, reason=reason,
    ), f"Записано: {target.person} — {CONSENT_STATE_TITLES[fact.state]}.")


def undo(actor: Actor, board: ClassConsent, chosen: ClassChoice, on: date) -> None:
    """Correct a mistaken entry back to «not asked», with a reason."""
    with st.expander("Исправить ошибочную запись на «не запрашивалось»"):
        asked = {_identity(row): row for row in board.rows if row.entry_id is not None}
        if not asked:
            st.caption("Записей пока нет.")
            return
        picked = kept_choice(
            "Запись", {key: label(row) for key, row in asked.items()}, key="consent_undo_target"
        )
        row = asked[picked or next(iter(asked))]
        why = st.text_input("Причина исправления", max_chars=500, key="consent_undo_reason")
        if st.button("Исправить", key="consent_undo"):
            fact = ConsentFact(row.subject, ConsentState.NOT_ASKED, None, None,
                               row.guardian_id, row.student_id)
            act(actor, lambda session: record_consent(
                session, actor, class_id=chosen.class_id, on=on, fact=fact,
                corrects_id=row.entry_id, reason=why,
            ), f"Исправлено: {row.person}.")
