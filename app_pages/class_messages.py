"""Messages to families: write to a class, a grade or the school; follow each family's state."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import kept_tabs
from components.notifications import staff

actor = guard_page(__file__)
st.title("Сообщения семьям")
show_outcome()
new, sent = kept_tabs(["Новое сообщение", "Отправленные"], key="class_messages_tab")
with new:
    staff.compose(actor)
with sent:
    staff.sent(actor)
