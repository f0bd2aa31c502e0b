"""Family cabinet: messages of the school and the notification settings."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import child_picker, kept_tabs
from components.kit.school import today
from components.notifications import family

actor = guard_page(__file__)
st.title("Уведомления")
show_outcome()
inbox, settings = kept_tabs(["Сообщения школы", "Настройки"], key="notifications_tab")
with inbox:
    if actor.guardian_id is None:
        st.info("Сообщения классного руководителя получают родители.")
    else:
        child = child_picker(actor, today())
        if child is not None:
            family.inbox(actor, child)
with settings:
    family.contact_forms(actor)
    family.preference_form(actor)
