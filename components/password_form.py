"""The password change form shared by the profile and the forced first-login change."""

from __future__ import annotations

import streamlit as st

from components.auth import refresh_session_after_password_change
from components.runtime import db, db_read
from components.text import escape
from klassruk.errors import DomainError
from klassruk.passwords import MIN_PASSWORD_LENGTH
from klassruk.permissions import Actor
from klassruk.services.accounts import change_password
from klassruk.services.credentials import needs_first_password, set_first_password


def password_change_form(actor: Actor) -> bool:
    """Render the form; True once the password was changed."""
    # Right after a login by activation code there is no current password to ask for.
    with db_read(actor) as session:
        first_password = needs_first_password(session, actor)
    with st.form("change_password", clear_on_submit=True):
        current = (
            ""
            if first_password
            else st.text_input("Текущий пароль", type="password", key="pw_current")
        )
        new = st.text_input(
            "Новый пароль",
            type="password",
            key="pw_new",
            help=f"Не короче {MIN_PASSWORD_LENGTH} символов; можно русские буквы и фразу "
            "из нескольких слов. Нельзя: логин в пароле и распространённые пароли.",
        )
        confirmation = st.text_input("Новый пароль ещё раз", type="password", key="pw_confirm")
        if not st.form_submit_button("Сменить пароль", type="primary"):
            return False
    try:
        with db(actor) as session:
            if first_password:
                set_first_password(
                    session, actor, new_password=new, confirmation=confirmation
                )
            else:
                change_password(
                    session,
                    actor,
                    current_password=current,
                    new_password=new,
                    confirmation=confirmation,
                )
    except DomainError as error:
        st.error(escape(str(error)))
        return False
    refresh_session_after_password_change()
    return True
