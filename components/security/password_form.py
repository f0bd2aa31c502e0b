"""The password change form shared by the profile and the forced first-login change."""

from __future__ import annotations

import streamlit as st

from components.kit.auth import refresh_own_session
from components.kit.feedback import reported_errors
from components.kit.runtime import db, db_read
from klassruk.access.passwords import MIN_PASSWORD_LENGTH, check_new_password
from klassruk.access.permissions import Actor
from klassruk.services.accounts.login import account_names, stored_password_hash
from klassruk.services.accounts.passwords import (
    apply_password_change,
    needs_first_password,
    store_first_password,
)


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
            "из нескольких слов. Нельзя: своё имя или логин в пароле и простые, "
            "распространённые пароли.",
        )
        confirmation = st.text_input("Новый пароль ещё раз", type="password", key="pw_confirm")
        if not st.form_submit_button("Сменить пароль", type="primary"):
            return False
    with reported_errors():
        # Password hashing (twice) between two short transactions, never inside the write one.
        with db_read(actor) as session:
            stored = None if first_password else stored_password_hash(session, login=actor.login)
            names = account_names(session, login=actor.login)
        change = check_new_password(
            login=actor.login, new_password=new, confirmation=confirmation, names=names,
            current_password=None if first_password else current, stored_hash=stored,
        )
        with db(actor) as session:
            if first_password:
                store_first_password(session, actor, change)
            else:
                apply_password_change(session, actor, change)
        refresh_own_session()
        return True
    return False
