"""Analytical reports: the deputy head builds and sends them; the class teacher reads them."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.reports.analytical_sending import draw_inbox, draw_sender
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Аналитические отчёты")
show_outcome()
if actor.can(Action.SEND_ANALYTICAL_REPORT):
    draw_sender(actor)
else:
    st.caption("Отчёты по классу, которые прислал заместитель директора.")
    draw_inbox(actor)
