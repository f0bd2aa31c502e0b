"""Messages to families: write to a class, a grade or the school; follow each family's state."""

import streamlit as st

from components.auth import guard_page
from components.feedback import show_outcome
from components.notifications import staff
from components.pickers import kept_tabs

actor = guard_page(__file__)
st.title("Сообщения семьям")
show_outcome()
new, sent = kept_tabs(["Новое сообщение", "Отправленные"], key="class_messages_tab")
with new:
    staff.compose(actor)
with sent:
    staff.sent(actor)
