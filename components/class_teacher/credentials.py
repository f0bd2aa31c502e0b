"""The credentials screen: slips of the last issue, the class's account board, issue and block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, reported_errors
from components.kit.pickers import multi_picker
from components.kit.runtime import db, db_read, school_settings
from components.kit.school import app_address
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.pdf.slips import render_slips
from klassruk.services.credentials.blocking import block_accounts
from klassruk.services.credentials.board import (
    BOARD_STATE_TITLES,
    BoardRow,
    BoardState,
    credentials_board,
)
from klassruk.services.credentials.codes import DEFAULT_CODE_VALID_DAYS
from klassruk.services.credentials.issuing import RecentCodes, RecentCodesFound, issue_credentials
from klassruk.services.credentials.people import PERSON_KIND_TITLES, PersonKind, PersonRef
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_timestamp

LAST_ISSUE = "cred_last_issue"
CONFIRM = "cred_confirm_recent"
BLOCK_CONFIRM = "cred_block"


def last_issue_slips(chosen: ClassChoice) -> None:
    """The slips PDF of this session's last issue for the class, and the codes on request."""
    last = st.session_state.get(LAST_ISSUE)
    if not last or last["class_id"] != chosen.class_id:
        return
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
        show_table(
            {
                "ФИО": [c.name for c in issued],
                "Логин": [c.login for c in issued],
                "Код активации": [c.code for c in issued],
            },
            key="cred_codes_table",
        )
    if st.button("Скрыть выданные коды", key="cred_forget_codes"):
        st.session_state.pop(LAST_ISSUE, None)
        st.rerun()


def account_board(actor: Actor, chosen: ClassChoice, *, on: date, zone: str) -> list[BoardRow]:
    """Every student and parent of the class with the state of their account."""
    def when(value: datetime | None) -> str:
        return format_timestamp(value, zone) if value else "—"

    st.subheader(f"Учётные записи {escape(chosen.name)} класса")
    left, right = st.columns([1, 2])
    late_only = left.checkbox("Только не активировавшие", key="cred_filter_late")
    late_days = right.number_input(
        "Код выдан не меньше, дней назад", min_value=0, max_value=365, value=7,
        key="cred_late_days",
    )
    with db_read(actor) as session:
        board = credentials_board(
            session, actor, class_id=chosen.class_id, on=on,
            not_activated_days=int(late_days) if late_only else None,
        )
    for column, state in zip(st.columns(len(BoardState)), BoardState, strict=True):
        column.metric(
            BOARD_STATE_TITLES[state].capitalize(), sum(row.state is state for row in board)
        )
    show_table(
        {
            "Кто": [PERSON_KIND_TITLES[row.person.kind] for row in board],
            "ФИО": [row.name for row in board],
            "Дети": [", ".join(row.children) or "—" for row in board],
            "Логин": [row.login or "—" for row in board],
            "Состояние": [BOARD_STATE_TITLES[row.state] for row in board],
            "Код выдан": [when(row.issued_at) for row in board],
            "Код действует до": [when(row.expires_at) for row in board],
            "Активирована": [when(row.activated_at) for row in board],
            "Последний вход": [when(row.last_login_at) for row in board],
        },
        key="cred_board",
        empty="Никого не найдено." if late_only else "В классе нет обучающихся и родителей.",
    )
    return board


@dataclass(frozen=True)
class IssueRequest:
    """What to issue: to whom (None: the whole class), how long the codes last, recent codes."""

    people: list[PersonRef] | None
    valid_days: int
    recent: RecentCodes = RecentCodes.ASK
    recent_seen: frozenset[int] | None = None  # the codes the answered question was about


def _person_label(row: BoardRow) -> str:
    kind = "обучающийся" if row.person.kind is PersonKind.STUDENT else "родитель"
    return f"{row.name} — {kind} ({BOARD_STATE_TITLES[row.state]})"


def _recent_codes_answer(chosen: ClassChoice) -> tuple[RecentCodes, frozenset[int]] | None:
    """A whole-class issue that would void slips printed within the hour waits for a word."""
    asked = st.session_state.get(CONFIRM)
    if not asked or asked["class_id"] != chosen.class_id:
        return None
    st.warning(escape(asked["message"]))
    skip_col, replace_col, cancel_col = st.columns(3)
    answer = None
    if skip_col.button("Выдать только тем, у кого свежего кода нет", key="cred_recent_skip"):
        answer = RecentCodes.SKIP
    if replace_col.button(
        "Выдать заново всем (те листки перестанут действовать)", key="cred_recent_replace"
    ):
        answer = RecentCodes.REPLACE
    if cancel_col.button("Не выдавать", key="cred_recent_cancel"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()
    if answer is None:
        return None
    st.session_state.pop(CONFIRM, None)
    return answer, asked["seen"]


def _issue(actor: Actor, chosen: ClassChoice, on: date, request: IssueRequest) -> None:
    bar = st.progress(0.0, text="Выдача реквизитов…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Выдача реквизитов: {done} из {total}")

    with reported_errors():
        try:
            with db(actor) as session:
                result = issue_credentials(
                    session, actor, class_id=chosen.class_id, on=on, people=request.people,
                    valid_days=request.valid_days, progress=progress, recent=request.recent,
                    recent_seen=request.recent_seen,
                )
        except RecentCodesFound as error:
            st.session_state[CONFIRM] = {
                "class_id": chosen.class_id, "message": str(error), "seen": error.seen,
            }
            st.rerun()
        if result.issued:
            bar.progress(1.0, text="Подготовка листков…")
            pdf = render_slips(
                result.issued, school_name=school_settings().school_name, app_url=app_address()
            )
            st.session_state[LAST_ISSUE] = {
                "class_id": chosen.class_id, "issued": result.issued,
                "skipped": result.skipped, "pdf": pdf,
            }
            st.rerun()
        st.info(
            "Выдавать некому: у всех учётные записи уже активированы или свежие коды уже выданы."
        )
    bar.empty()


def block_question(rows: list[BoardRow], class_name: str) -> str:
    """Whose accounts blocking closes, and what it does to them."""
    people = "; ".join(f"{row.name} ({PERSON_KIND_TITLES[row.person.kind]})" for row in rows)
    return (
        f"Заблокировать учётные записи ({len(rows)}, класс {class_name}): {people}? "
        "Их сеансы завершатся сразу, войти они не смогут, пока не будут выданы новые реквизиты."
    )


def credential_actions(actor: Actor, chosen: ClassChoice, on: date, board: list[BoardRow]) -> None:
    """Pick people; issue codes to them or to the whole class; block their accounts."""
    labels = {_person_label(row): row for row in board}
    selected_rows = [
        labels[label] for label in multi_picker(
            "Выбрать людей", list(labels), key="cred_people",
            placeholder="Выберите обучающихся и родителей",
        )
    ]
    selected = [row.person for row in selected_rows]
    valid_days = int(st.number_input(
        "Срок действия кода, дней", min_value=1, max_value=365, value=DEFAULT_CODE_VALID_DAYS,
        key="cred_valid_days",
    ))
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
    block = col_block.button("Заблокировать выбранных", key="cred_block_selected")
    answered = _recent_codes_answer(chosen)
    if answered is not None:
        _issue(actor, chosen, on, IssueRequest(None, valid_days, *answered))
    elif issue_all:
        _issue(actor, chosen, on, IssueRequest(None, valid_days))
    elif issue_selected:
        _issue(actor, chosen, on, IssueRequest(selected, valid_days))
    if block and not selected:
        st.error("Выберите, чьи учётные записи заблокировать.")
    elif block:
        ask(BLOCK_CONFIRM, Risky(
            block_question(selected_rows, chosen.name), "Заблокировать",
            payload=(chosen.class_id, selected),
        ))
    answer = confirmed(BLOCK_CONFIRM)
    if answer is not None:
        class_id, people = answer.payload
        act(
            actor,
            lambda session: block_accounts(
                session, actor, class_id=class_id, on=on, people=people
            ),
            lambda count: f"Заблокировано учётных записей: {count}.",
        )
