"""Forced password change: the only page until the user sets an own password."""

import streamlit as st

from components.kit.auth import current_actor
from components.security.password_form import password_change_form

actor = current_actor()
st.title("Смена пароля")
st.info("Перед началом работы задайте собственный пароль. Другие разделы откроются после этого.")
if password_change_form(actor):
    st.rerun()
