"""The admin's school settings: the address users type (slips, links) and the time zone."""

import streamlit as st

from components.administration.backups import backup_status
from components.kit.auth import guard_page
from components.kit.feedback import announce, reported_errors, show_outcome
from components.kit.runtime import db, forget_school_settings
from components.kit.school import address_warning, app_address, school_timezone, timezone_picker
from klassruk.services.school_settings import set_app_url, set_timezone, timezone_title

actor = guard_page(__file__)
st.title("Настройки школы")
show_outcome()
address_warning(actor)
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
with st.form("school_timezone"):
    zone = timezone_picker(school_timezone(), key="school_tz")
    zone_saved = st.form_submit_button("Сохранить часовой пояс")
if zone_saved:
    with reported_errors():
        with db(actor) as session:
            stored = set_timezone(session, actor, timezone=zone)
        forget_school_settings()
        announce(f"Часовой пояс сохранён: {timezone_title(stored)}")
backup_status()
