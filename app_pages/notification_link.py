"""A link from a notification e-mail (unsubscribe, «Ознакомлен(а)»), opened without a login."""

import streamlit as st

from components.notifications.link import follow_link

st.title("Классрук")
follow_link()
