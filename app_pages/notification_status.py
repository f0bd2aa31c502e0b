"""The notification sender's health for the admin: outbox age, senders, failures."""

import streamlit as st

from components.kit.auth import guard_page
from components.notifications import status

actor = guard_page(__file__)
st.title("Рассылка уведомлений")
status.health(actor)
