"""Credentials for the class: issue activation codes, print slips, watch and fix account states."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db, db_read, school_settings
from components.school import app_address, school_timezone, today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_timestamp
from klassruk.permissions import Action
from klassruk.services.credentials import (
    BOARD_STATE_TITLES,
    DEFAULT_CODE_VALID_DAYS,
    PERSON_KIND_TITLES,
    BoardState,
    PersonKind,
    RecentCodes,
    RecentCodesFound,
    block_accounts,
    classes_in_scope,
    credentials_board,
    issue_credentials,
)
from klassruk.slips import render_slips

LAST_ISSUE = "cred_last_issue"
FLASH = "cred_flash"
CONFIRM = "cred_confirm_recent"

actor = guard(Action.ISSUE_CREDENTIALS)
st.title("Реквизиты доступа")
on = today()
zone = school_timezone()
with db_read(actor) as session:
    classes = classes_in_scope(session, actor, action=Action.ISSUE_CREDENTIALS)
school_name = school_settings().school_name
if not classes:
    st.info("Классное руководство вам не назначено.")
    st.stop()
by_name = {choice.name: choice for choice in classes}
chosen = by_name[st.selectbox("Класс", list(by_name), key="cred_class")]


def _when(value):  # type: ignore[no-untyped-def]
    return format_timestamp(value, zone) if value else "—"


if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))

# ------------------------------------------------------------------ slips of the last issue
last = st.session_state.get(LAST_ISSUE)
if last and last["class_id"] == chosen.class_id:
    issued = last["issued"]
    st.success(
        f"Реквизиты выданы: {len(issued)}. Распечатайте листки и раздайте под подпись; "
        "сами коды в системе не хранятся, повторно распечатать их нельзя."
    )
    for note in last["skipped"]:
        st.warning(escape(note))
    st.download_button(
        "Скачать листки с реквизитами (PDF)",
        data=last["pdf"],
        file_name=f"rekvizity_{chosen.name}.pdf",
        mime="application/pdf",
        key="cred_slips_download",
        icon=":material/print:",
        type="primary",
    )
    if st.toggle("Показать логины и коды на экране", key="cred_show_codes"):
        st.dataframe(
            pd.DataFrame(
                {
                    "ФИО": [c.name for c in issued],
                    "Логин": [c.login for c in issued],
                    "Код активации": [c.code for c in issued],
                }
            ),
            hide_index=True,
            key="cred_codes_table",
        )
    if st.button("Скрыть выданные коды", key="cred_forget_codes"):
        st.session_state.pop(LAST_ISSUE, None)
        st.rerun()

# ------------------------------------------------------------------ the board
st.subheader(f"Учётные записи {escape(chosen.name)} класса")
left, right = st.columns([1, 2])
late_only = left.checkbox("Только не активировавшие", key="cred_filter_late")
late_days = right.number_input(
    "Код выдан не меньше, дней назад", min_value=0, max_value=365, value=7, key="cred_late_days"
)
with db_read(actor) as session:
    board = credentials_board(
        session,
        actor,
        class_id=chosen.class_id,
        on=on,
        not_activated_days=int(late_days) if late_only else None,
    )
counts = {state: sum(1 for row in board if row.state is state) for state in BoardState}
columns = st.columns(len(BoardState))
for column, state in zip(columns, BoardState, strict=True):
    column.metric(BOARD_STATE_TITLES[state].capitalize(), counts[state])
st.dataframe(
    pd.DataFrame(
        {
            "Кто": [PERSON_KIND_TITLES[row.person.kind] for row in board],
            "ФИО": [row.name for row in board],
            "Дети": [", ".join(row.children) or "—" for row in board],
            "Логин": [row.login or "—" for row in board],
            "Состояние": [BOARD_STATE_TITLES[row.state] for row in board],
            "Код выдан": [_when(row.issued_at) for row in board],
            "Код действует до": [_when(row.expires_at) for row in board],
            "Активирована": [_when(row.activated_at) for row in board],
            "Последний вход": [_when(row.last_login_at) for row in board],
        }
    ),
    hide_index=True,
    width="stretch",
    key="cred_board",
)

# ------------------------------------------------------------------ actions
labels = {
    f"{row.name} — "
    f"{'обучающийся' if row.person.kind is PersonKind.STUDENT else 'родитель'}"
    f" ({BOARD_STATE_TITLES[row.state]})": row.person
    for row in board
}
selected_labels = st.multiselect(
    "Выбрать людей", list(labels), key="cred_people",
    placeholder="Выберите обучающихся и родителей",
)
selected = [labels[label] for label in selected_labels]
valid_days = st.number_input(
    "Срок действия кода, дней", min_value=1, max_value=365, value=DEFAULT_CODE_VALID_DAYS,
    key="cred_valid_days",
)
col_all, col_selected, col_block = st.columns(3)
issue_all = col_all.button(
    "Выдать реквизиты всему классу", key="cred_issue_all", type="primary",
    help="Всем, у кого ещё нет учётной записи или кто её не активировал. "
    "Уже активированные учётные записи не затрагиваются.",
)
issue_selected = col_selected.button(
    "Выдать (заново) выбранным", key="cred_issue_selected",
    help="Новый код заменяет прежний; пароль выбранных сбрасывается.",
)
confirm_block = col_block.checkbox("Подтверждаю блокировку", key="cred_block_confirm")
block = col_block.button("Заблокировать выбранных", key="cred_block_selected")

# A whole-class issue that would void slips printed within the hour waits for the user's word.
recent = None
asked = st.session_state.get(CONFIRM)
if asked and asked["class_id"] == chosen.class_id:
    st.warning(escape(asked["message"]))
    skip_col, replace_col, cancel_col = st.columns(3)
    if skip_col.button("Выдать только тем, у кого свежего кода нет", key="cred_recent_skip"):
        recent = RecentCodes.SKIP
    if replace_col.button(
        "Выдать заново всем (те листки перестанут действовать)", key="cred_recent_replace"
    ):
        recent = RecentCodes.REPLACE
    if cancel_col.button("Не выдавать", key="cred_recent_cancel"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()
if recent is not None:
    issue_all = True
    st.session_state.pop(CONFIRM, None)

if issue_all or issue_selected:
    bar = st.progress(0.0, text="Выдача реквизитов…")

    def _progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Выдача реквизитов: {done} из {total}")

    try:
        with db(actor) as session:
            result = issue_credentials(
                session,
                actor,
                class_id=chosen.class_id,
                on=on,
                people=None if issue_all else selected,
                valid_days=int(valid_days),
                progress=_progress,
                recent=recent or RecentCodes.ASK,
            )
    except RecentCodesFound as error:
        st.session_state[CONFIRM] = {"class_id": chosen.class_id, "message": str(error)}
        st.rerun()
    except DomainError as error:
        bar.empty()
        st.error(escape(str(error)))
    else:
        if not result.issued:
            bar.empty()
            st.info(
                "Выдавать некому: у всех учётные записи уже активированы "
                "или свежие коды уже выданы."
            )
        else:
            bar.progress(1.0, text="Подготовка листков…")
            pdf = render_slips(result.issued, school_name=school_name, app_url=app_address())
            st.session_state[LAST_ISSUE] = {
                "class_id": chosen.class_id,
                "issued": result.issued,
                "skipped": result.skipped,
                "pdf": pdf,
            }
            st.rerun()

if block:
    if not selected:
        st.error("Выберите, чьи учётные записи заблокировать.")
    elif not confirm_block:
        st.error("Отметьте «Подтверждаю блокировку».")
    else:
        try:
            with db(actor) as session:
                count = block_accounts(
                    session, actor, class_id=chosen.class_id, on=on, people=selected
                )
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            st.session_state[FLASH] = f"Заблокировано учётных записей: {count}."
            st.rerun()

st.caption(
    "Код активации одноразовый: при первом входе человек вводит логин и код в поле пароля "
    "и сразу задаёт собственный пароль. Новая выдача заменяет прежний код."
)
