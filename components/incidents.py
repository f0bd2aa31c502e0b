"""The compromise report form, shared by the profile and the incidents page."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from components.runtime import db
from components.school import school_timezone
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_timestamp
from klassruk.models import utcnow
from klassruk.permissions import Actor
from klassruk.services.incidents import report_compromise
from klassruk.services.notices import mark_notice_read, unread_notices

FLASH = "incident_flash"


def _moment(label: str, key: str, *, day: date, at: time) -> datetime:
    left, right = st.columns(2)
    chosen_day = left.date_input(label, value=day, format="DD.MM.YYYY", key=f"{key}_day")
    chosen_time = right.time_input("Время", value=at, key=f"{key}_time", step=300)
    return datetime.combine(chosen_day, chosen_time, tzinfo=ZoneInfo(school_timezone()))


def compromise_form(actor: Actor, *, login: str, key: str, who: str) -> bool:
    """Ask how and when the compromise was found, then report it; True once it is reported."""
    zone = school_timezone()
    now_there = utcnow().astimezone(ZoneInfo(zone))
    current = time(now_there.hour, now_there.minute)
    with st.form(key):
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
        return False
    try:
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
            message = (
                f"Инцидент № {incident.id} зарегистрирован: учётная запись заблокирована, "
                "сеансы завершены. Сообщение поступило "
                + ("в срок." if incident.reported_in_time else
                   f"позже срока ({format_timestamp(incident.deadline_at, zone)}).")
            )
    except DomainError as error:
        st.error(escape(str(error)))
        return False
    st.session_state[FLASH] = message
    return True


def notices_section(actor: Actor) -> None:
    """The actor's unread in-app notices, each with a «Прочитано» button."""
    with db(actor) as session:
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
