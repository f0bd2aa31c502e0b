"""The notification sender's health for the admin: outbox age, senders, failures."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.school import address_warning
from components.notifications import status

actor = guard_page(__file__)
st.title("Рассылка уведомлений")
address_warning(actor)  # the e-mails' links («Ознакомлен(а)», unsubscribe) carry the address
status.health(actor)
