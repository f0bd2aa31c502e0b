"""Own profile: who I am, my roles, password change, logging out everywhere."""

import streamlit as st

from components.auth import guard
from components.password_form import password_change_form
from klassruk.permissions import ROLE_TITLES, Action

actor = guard(Action.VIEW_PROFILE)
st.title("Профиль")
st.write(f"Логин: `{actor.login}`")
st.write("Роли: " + ", ".join(ROLE_TITLES[role] for role in sorted(actor.roles)))

st.subheader("Смена пароля")
st.caption("После смены пароля все остальные сеансы этой учётной записи завершаются.")
if password_change_form(actor):
    st.success("Пароль изменён.")
