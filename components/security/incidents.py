"""Reporting a compromise (the profile and the incidents page) and the in-app notices."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from components.kit.auth import leave_login_notice
from components.kit.feedback import announce, reported_errors
from components.kit.pickers import class_picker
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor, Role
from klassruk.clock import utcnow
from klassruk.models.incidents import SecurityIncident
from klassruk.services.accounts.users import list_users
from klassruk.services.credentials.board import credentials_board
from klassruk.services.incidents import report_compromise
from klassruk.services.notices import mark_notice_read, unread_notices
from klassruk.text.formatting import format_timestamp

ACCOUNTS_SHOWN = 50


def _moment(label: str, key: str, *, day: date, at: time) -> datetime:
    left, right = st.columns(2)
    chosen_day = left.date_input(label, value=day, format="DD.MM.YYYY", key=f"{key}_day")
    chosen_time = right.time_input("Время", value=at, key=f"{key}_time", step=300)
    return datetime.combine(chosen_day, chosen_time, tzinfo=ZoneInfo(school_timezone()))


def _reported(incident: SecurityIncident) -> str:
    zone = school_timezone()
    in_time = (
        "в срок." if incident.reported_in_time
        else f"позже срока ({format_timestamp(incident.deadline_at, zone)})."
    )
    return (
        f"Инцидент № {incident.id} зарегистрирован: учётная запись заблокирована, "
        f"сеансы завершены. Сообщение поступило {in_time}"
    )


def own_report_notice(incident: SecurityIncident, actor: Actor) -> str:
    """What the login page tells someone who has just reported their own account."""
    family = bool(actor.roles & {Role.GUARDIAN, Role.STUDENT})
    contact = "классный руководитель" if family else "администратор школы"
    return (
        f"Вы сообщили о компрометации своей учётной записи, инцидент № {incident.id} "
        f"зарегистрирован {format_timestamp(incident.recorded_at, school_timezone())}. "
        "Учётная запись заблокирована, все её сеансы завершены: войти с прежним паролем "
        "нельзя, и никто другой тоже не войдёт. Всё, что сделано с учётной записью после "
        "сообщения, будет признано недействительным.\n\n"
        f"Что дальше: {contact} свяжется с вами. Чтобы снова войти, получите у "
        f"{'классного руководителя' if family else 'администратора школы'} новый код "
        "активации (лично или на бумажном листке), введите его здесь вместо пароля "
        "и задайте новый пароль."
    )


def compromise_form(actor: Actor, *, login: str, key: str, who: str) -> None:
    """Ask how and when the compromise was found, then report it and announce the incident."""
    now_there = utcnow().astimezone(ZoneInfo(school_timezone()))
    current = time(now_there.hour, now_there.minute)
    # No submit on Enter: the report blocks an account at once (and no English «Press Enter…»).
    with st.form(key, enter_to_submit=False):
        st.caption(
            f"Учётная запись «{escape(who)}» будет сразу заблокирована, все её сеансы завершены; "
            "администратор и руководство школы получат уведомление."
        )
        how = st.text_area("Как обнаружена компрометация", key=f"{key}_how", max_chars=1000)
        day = now_there.date()
        discovered = _moment("Когда обнаружена", f"{key}_found", day=day, at=current)
        reported = _moment("Когда сообщено в школу", f"{key}_reported", day=day, at=current)
        suspected_known = st.checkbox(
            "Известно, с какого времени доступ мог быть у посторонних", key=f"{key}_known"
        )
        suspected = _moment("Подозревается с", f"{key}_since", day=day, at=time(0, 0))
        submitted = st.form_submit_button("Сообщить о компрометации", type="primary")
    if not submitted:
        return
    with reported_errors():
        with db(actor) as session:
            incident = report_compromise(
                session,
                actor,
                login=login,
                discovered_at=discovered,
                how_discovered=how,
                suspected_since=suspected if suspected_known else None,
                reported_at=reported,
            )
            message = _reported(incident)
            own = own_report_notice(incident, actor) if login == actor.login else None
        if own is None:
            announce(message)
        # The account is logged out on the rerun: the login page says what happened and next.
        leave_login_notice(own)
        st.rerun()


def account_picker(actor: Actor) -> tuple[str, str] | None:
    """The account to report, (login, name): the admin searches all, a class teacher his class."""
    if actor.is_school_wide_for(Action.REPORT_COMPROMISE):
        search = st.text_input("Найти учётную запись (ФИО или логин)", key="incident_search")
        if not search.strip():
            return None
        with db_read(actor) as session:
            users = list_users(session, actor, search=search, limit=ACCOUNTS_SHOWN)
        choices = {f"{u.display_name} ({u.login})": (u.login, u.display_name) for u in users}
    else:
        picked = class_picker(actor, Action.ISSUE_CREDENTIALS, key="incident_class")
        if picked is None:
            return None
        with db_read(actor) as session:
            board = credentials_board(session, actor, class_id=picked.class_id, on=today())
        choices = {f"{row.name} ({row.login})": (row.login, row.name) for row in board if row.login}
    if not choices:
        st.info("Учётные записи не найдены.")
        return None
    return choices[st.selectbox("Учётная запись", list(choices), key="incident_account")]


def notices_section(actor: Actor) -> None:
    """The actor's unread in-app notices, each with a «Прочитано» button."""
    with db_read(actor) as session:
        notices = unread_notices(session, actor)
    if not notices:
        return
    zone = school_timezone()
    st.subheader("Уведомления")
    for notice in notices:
        with st.container(border=True):
            st.markdown(f"**{format_timestamp(notice.created_at, zone)}** — {escape(notice.text)}")
            if st.button("Прочитано", key=f"notice_read_{notice.id}"):
                with db(actor) as session:
                    mark_notice_read(session, actor, notice_id=notice.id)
                st.rerun()
