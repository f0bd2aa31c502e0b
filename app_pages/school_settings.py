"""The admin's school settings: the address users type, printed on slips and in links."""

import streamlit as st

from components.administration.backups import backup_status
from components.kit.auth import guard_page
from components.kit.feedback import announce, reported_errors, show_outcome
from components.kit.runtime import db, forget_school_settings
from components.kit.school import address_warning, app_address
from klassruk.services.school_settings import set_app_url

actor = guard_page(__file__)
st.title("Настройки школы")
show_outcome()
address_warning()
with st.form("school_address"):
    address = st.text_input(
        "Адрес Классрука для пользователей",
        value=app_address(),
        help="Его печатают на листках с реквизитами доступа: по нему ученики и родители "
        "открывают Классрук.",
    )
    saved = st.form_submit_button("Сохранить", type="primary")
if saved:
    with reported_errors():
        with db(actor) as session:
            stored = set_app_url(session, actor, app_url=address)
        forget_school_settings()
        announce(f"Адрес сохранён: {stored}")
backup_status()
