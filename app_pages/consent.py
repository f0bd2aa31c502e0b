"""Consent register of a class: states, forms to print, recording and correcting, the paper list."""

import io
from datetime import date

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db
from components.school import school_timezone, today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_date, format_timestamp
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
    CONSENT_SUBJECT_TITLES,
    ConsentState,
    ConsentSubject,
)
from klassruk.pdf.consent_forms import render_consent_forms
from klassruk.permissions import Action
from klassruk.services.consent import (
    ConsentFact,
    ConsentRow,
    ScanUpload,
    class_consent,
    consent_forms,
    consent_history,
    record_consent,
    scan_file,
    set_student_own_consent_required,
)
from klassruk.services.delivery import student_own_consent_required
from klassruk.services.scope import classes_in_scope
from klassruk.services.spreadsheets import export_cell
from klassruk.setup import SCHOOL_NAME_KEY, get_setting

FLASH = "consent_flash"

actor = guard(Action.VIEW_CONSENT)
st.title("Согласия на обработку персональных данных")
on = today()
zone = school_timezone()
with db(actor) as session:
    classes = classes_in_scope(session, actor, action=Action.VIEW_CONSENT)
    school_name = get_setting(session, SCHOOL_NAME_KEY, "Классрук")
    students_asked = student_own_consent_required(session)
if actor.can(Action.MANAGE_SCHOOL_STRUCTURE):
    wanted = st.toggle(
        "Школа собирает собственное согласие обучающихся 14 лет и старше",
        value=students_asked, key="consent_students_own",
    )
    if wanted != students_asked:
        with db(actor) as session:
            set_student_own_consent_required(session, actor, required=wanted)
        st.rerun()
if not classes:
    st.info("Классное руководство вам не назначено.")
    st.stop()
by_name = {choice.name: choice for choice in classes}
chosen = by_name[st.selectbox("Класс", list(by_name), key="consent_class")]
if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))

with db(actor) as session:
    board = class_consent(session, actor, class_id=chosen.class_id, on=on)
may_record = actor.can(Action.RECORD_CONSENT)


def _label(row: ConsentRow) -> str:
    whose = CONSENT_SUBJECT_TITLES[row.subject]
    child = f": {row.child}" if row.subject is ConsentSubject.CHILD else ""
    return f"{row.person} — {whose}{child} ({CONSENT_STATE_TITLES[row.state]})"


# ------------------------------------------------------------------ counts and the table
columns = st.columns(len(ConsentState) + 1)
for column, state in zip(columns, ConsentState, strict=False):
    column.metric(CONSENT_STATE_TITLES[state].capitalize(), board.counts[state])
columns[-1].metric("Семей на бумаге", len(board.paper))

left, right = st.columns(2)
states = left.multiselect(
    "Состояние", [CONSENT_STATE_TITLES[s] for s in ConsentState], key="consent_filter_state",
    placeholder="Все состояния",
)
not_returned = right.checkbox("Только не вернувшие бланк", key="consent_filter_missing")
rows = [
    row for row in board.rows
    if (not states or CONSENT_STATE_TITLES[row.state] in states)
    and (not not_returned or row.state is ConsentState.NOT_ASKED)
]
table = pd.DataFrame(
    {
        "Кто": [row.person for row in rows],
        "Чьи данные": [
            f"{CONSENT_SUBJECT_TITLES[row.subject]}"
            + (f": {row.child}" if row.subject is ConsentSubject.CHILD else "")
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
st.dataframe(table, hide_index=True, width="stretch", key="consent_table")
export = io.BytesIO()
# Names and form numbers are user text: none may become a formula in the spreadsheet.
table.map(export_cell).to_excel(export, index=False, sheet_name=f"Согласия {chosen.name}")
st.download_button(
    "Скачать таблицу (XLSX)", data=export.getvalue(), file_name=f"soglasiya_{chosen.name}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="consent_xlsx", icon=":material/download:",
)

# ------------------------------------------------------------------ forms to print
st.subheader("Бланки согласия")
guardians = {row.person: row.guardian_id for row in board.rows if row.guardian_id is not None}
form_for = st.selectbox(
    "Для кого", ["Все, кто ещё не вернул бланк", *guardians], key="consent_form_for"
)
if st.button("Подготовить бланки (PDF)", key="consent_forms_make"):
    with db(actor) as session:
        forms = consent_forms(
            session, actor, class_id=chosen.class_id, on=on, guardian_id=guardians.get(form_for)
        )
    st.session_state["consent_forms_pdf"] = (
        chosen.class_id, render_consent_forms(forms, school_name=school_name), len(forms)
    )
made = st.session_state.get("consent_forms_pdf")
if made and made[0] == chosen.class_id:
    st.download_button(
        f"Скачать бланки: {made[2]}", data=made[1], file_name=f"soglasie_{chosen.name}.pdf",
        mime="application/pdf", key="consent_forms_download", icon=":material/print:",
    )

# ------------------------------------------------------------------ record a returned form
if may_record:
    st.subheader("Записать бланк")
    targets = {_label(row): row for row in board.rows}
    with st.form("consent_record", clear_on_submit=False):
        target_label = st.selectbox("Чьё согласие", list(targets), key="consent_target")
        state_title = st.radio(
            "Решение по бланку",
            [CONSENT_STATE_TITLES[s] for s in
             (ConsentState.GIVEN, ConsentState.REFUSED, ConsentState.WITHDRAWN)],
            horizontal=True, key="consent_state",
        )
        col_date, col_number = st.columns(2)
        signed_on = col_date.date_input(
            "Дата подписи", value=on, max_value=on, format="DD.MM.YYYY", key="consent_signed_on"
        )
        number = col_number.text_input("№ бланка", max_chars=40, key="consent_number")
        paper = st.checkbox(
            "Родитель просит сведения на бумаге (например, нет интернета)", key="consent_paper"
        )
        upload = st.file_uploader(
            "Скан подписанного бланка (PDF, JPEG или PNG, до 5 МБ)",
            type=["pdf", "jpg", "jpeg", "png"], key="consent_scan",
        )
        correction = st.checkbox(
            "Это исправление ошибочной последней записи", key="consent_is_correction"
        )
        reason = st.text_input("Причина (для исправления или отзыва)", max_chars=500,
                               key="consent_reason")
        submitted = st.form_submit_button("Записать", type="primary")
    if submitted:
        row = targets[target_label]
        state = next(s for s in ConsentState if CONSENT_STATE_TITLES[s] == state_title)
        try:
            with db(actor) as session:
                record_consent(
                    session, actor, class_id=chosen.class_id, on=on,
                    fact=ConsentFact(
                        subject=row.subject, state=state,
                        signed_on=signed_on if isinstance(signed_on, date) else None,
                        form_number=number, guardian_id=row.guardian_id,
                        student_id=row.student_id, prefers_paper=paper,
                    ),
                    scan=ScanUpload(upload.name, upload.getvalue()) if upload else None,
                    corrects_id=row.entry_id if correction else None,
                    reason=reason,
                )
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            st.session_state[FLASH] = (
                f"Записано: {escape(row.person)} — {CONSENT_STATE_TITLES[state]}."
            )
            st.rerun()
    with st.expander("Исправить ошибочную запись на «не запрашивалось»"):
        asked = {_label(row): row for row in board.rows if row.entry_id is not None}
        if not asked:
            st.caption("Записей пока нет.")
        else:
            wrong = st.selectbox("Запись", list(asked), key="consent_undo_target")
            why = st.text_input("Причина исправления", max_chars=500, key="consent_undo_reason")
            if st.button("Исправить", key="consent_undo"):
                row = asked[wrong]
                try:
                    with db(actor) as session:
                        record_consent(
                            session, actor, class_id=chosen.class_id, on=on,
                            fact=ConsentFact(row.subject, ConsentState.NOT_ASKED, None, None,
                                             row.guardian_id, row.student_id),
                            corrects_id=row.entry_id, reason=why,
                        )
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    st.session_state[FLASH] = f"Исправлено: {escape(row.person)}."
                    st.rerun()

# ------------------------------------------------------------------ paper list and history
st.subheader("Бумажный список")
if board.paper:
    st.dataframe(
        pd.DataFrame(
            {
                "Родитель": [p.guardian for p in board.paper],
                "Ребёнок": [p.student for p in board.paper],
                "Почему на бумаге": [p.reason for p in board.paper],
            }
        ),
        hide_index=True, width="stretch", key="consent_paper_list",
    )
else:
    st.caption("Все семьи класса получают сведения в электронном виде.")

st.subheader("История записей")
people = {row.person: row for row in board.rows}
whose = st.selectbox("Человек", list(people), key="consent_history_for")
if whose:
    person = people[whose]
    with db(actor) as session:
        history = consent_history(
            session, actor, class_id=chosen.class_id, on=on,
            guardian_id=person.guardian_id,
            student_id=person.student_id if person.guardian_id is None else None,
        )
    if not history:
        st.caption(f"О согласии {escape(whose)} записей нет.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "№": [h.entry_id for h in history],
                    "Чьи данные": [
                        CONSENT_SUBJECT_TITLES[h.subject] + (f": {h.child}" if h.child else "")
                        for h in history
                    ],
                    "Состояние": [CONSENT_STATE_TITLES[h.state] for h in history],
                    "Дата подписи": [format_date(h.signed_on) for h in history],
                    "№ бланка": [h.form_number or "—" for h in history],
                    "Исправляет запись": [h.corrects_id or "—" for h in history],
                    "Причина": [h.reason or "—" for h in history],
                    "Записано": [format_timestamp(h.recorded_at, zone) for h in history],
                    "Кем": [h.recorded_by for h in history],
                }
            ),
            hide_index=True, width="stretch", key="consent_history",
        )
        scans = [h for h in history if h.scan_id]
        if scans:
            shown = st.selectbox(
                "Скан бланка", [f"запись № {h.entry_id}" for h in scans], key="consent_scan_pick"
            )
            scan_id = scans[[f"запись № {h.entry_id}" for h in scans].index(shown)].scan_id
            assert scan_id is not None
            with db(actor) as session:
                name, media_type, content = scan_file(
                    session, actor, class_id=chosen.class_id, on=on, scan_id=scan_id
                )
            st.download_button("Скачать скан", data=content, file_name=name, mime=media_type,
                               key="consent_scan_download")
