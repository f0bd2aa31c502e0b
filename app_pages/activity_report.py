"""Who of the families has seen what: logins, acknowledgements, consent, delivery route."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.reports.activity import draw_activity

actor = guard_page(__file__)
st.title("Активность и ознакомление родителей")
show_outcome()
draw_activity(actor)
