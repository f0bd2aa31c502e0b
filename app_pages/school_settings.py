"""The admin's school settings: the address users type, printed on slips and in links."""

import streamlit as st

from components.auth import guard
from components.runtime import db, forget_school_settings
from components.school import app_address
from components.text import escape
from klassruk.errors import DomainError
from klassruk.permissions import Action
from klassruk.setup import set_app_url

SAVED = "school_settings_saved"

actor = guard(Action.MANAGE_SCHOOL_STRUCTURE)
st.title("Настройки школы")
if SAVED in st.session_state:
    st.success(escape(st.session_state.pop(SAVED)))

with st.form("school_address"):
    address = st.text_input(
        "Адрес Классрука для пользователей",
        value=app_address(),
        help="Его печатают на листках с реквизитами доступа: по нему ученики и родители "
        "открывают Классрук.",
    )
    if st.form_submit_button("Сохранить", type="primary"):
        try:
            with db(actor) as session:
                stored = set_app_url(session, actor, app_url=address)
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            forget_school_settings()
            st.session_state[SAVED] = f"Адрес сохранён: {stored}"
            st.rerun()
