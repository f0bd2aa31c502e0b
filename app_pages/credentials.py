"""Credentials for the class: issue activation codes, print slips, watch and fix account states."""

import streamlit as st

from components.class_teacher.credentials import account_board, credential_actions, last_issue_slips
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import class_picker
from components.kit.school import address_warning, school_timezone, today
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Реквизиты доступа")
show_outcome()
address_warning(actor)
on = today()
chosen = class_picker(actor, Action.ISSUE_CREDENTIALS, key="cred_class")
if chosen is None:
    st.stop()
last_issue_slips(chosen)
board = account_board(actor, chosen, on=on, zone=school_timezone())
credential_actions(actor, chosen, on, board)
st.caption(
    "Код активации одноразовый: при первом входе человек вводит логин и код в поле пароля "
    "и сразу задаёт собственный пароль. Новая выдача заменяет прежний код."
)
