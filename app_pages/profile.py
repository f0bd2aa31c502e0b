"""Own profile: who I am, my roles, password change, second factor, compromise report."""

import streamlit as st

from components.family.own_data import own_data_section
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.security.incidents import compromise_form
from components.security.password_form import password_change_form
from components.security.second_factor import second_factor_section
from klassruk.access.permissions import ROLE_TITLES

PASSWORD_CHANGED = "profile_password_changed"

actor = guard_page(__file__)
st.title("Профиль")
st.write(f"Логин: `{actor.login}`")
st.write(
    ("Роль: " if len(actor.roles) == 1 else "Роли: ")
    + ", ".join(ROLE_TITLES[role] for role in sorted(actor.roles))
)

st.subheader("Смена пароля")
st.caption("После смены пароля все остальные сеансы этой учётной записи завершаются.")
if st.session_state.pop(PASSWORD_CHANGED, False):
    st.success("Пароль изменён.")
if password_change_form(actor):
    # Rerun at once: the new login cookie is written on the next run, before any reload.
    st.session_state[PASSWORD_CHANGED] = True
    st.rerun()

second_factor_section(actor)
own_data_section(actor)

st.subheader("Сообщить о компрометации")
st.caption(
    "Если логин и пароль стали известны посторонним или в системе есть действия, которых вы "
    "не совершали, сообщите об этом в течение одного рабочего дня. Действия с учётной записью "
    "после сообщения признаются недействительными."
)
show_outcome()
with st.expander("Сообщить о компрометации моей учётной записи"):
    compromise_form(actor, login=actor.login, key="self_report", who=actor.login)
