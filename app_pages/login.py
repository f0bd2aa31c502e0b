"""Login form, then the second-factor code where the account has one; demo accounts in demo mode."""

import streamlit as st

from components.kit.auth import take_login_notice
from components.kit.login import (
    CODE_FIELD,
    LOGIN_FIELD,
    PASSWORD_FIELD,
    awaited_second_factor,
    cancel_second_factor,
    submit_code,
    submit_password,
    take_login_error,
)
from components.kit.runtime import db_read, school_settings
from components.kit.text import escape
from klassruk.access.permissions import Actor

school = school_settings()
demo, school_name = school.demo_mode, school.school_name

st.title("Классрук")
st.caption(escape(school_name))
notice = take_login_notice()
if notice:
    st.warning(escape(notice), icon=":material/lock:")

left, right = st.columns([2, 3], gap="large")
# The buttons check the form in callbacks, before this page runs: a right password draws the
# user's page in this same run instead of this form once more and then a rerun.
awaited = awaited_second_factor()
if awaited is not None:
    with left, st.form("second_factor_form"):
        st.subheader("Второй фактор")
        st.write(
            f"Пароль для «{escape(awaited)}» верный. "
            "Введите код из приложения-аутентификатора."
        )
        st.text_input(
            "Код из приложения или резервный код", key=CODE_FIELD, autocomplete="one-time-code"
        )
        confirm, back = st.columns(2)
        back.form_submit_button("Отмена", on_click=cancel_second_factor)
        confirm.form_submit_button("Подтвердить", type="primary", on_click=submit_code)
        if error := take_login_error():
            st.error(escape(error))
else:
    with left, st.form("login_form"):
        st.subheader("Вход")
        st.text_input("Логин", key=LOGIN_FIELD, autocomplete="username")
        st.text_input(
            "Пароль или код активации",
            type="password",
            key=PASSWORD_FIELD,
            autocomplete="current-password",
        )
        st.form_submit_button("Войти", type="primary", on_click=submit_password)
        if error := take_login_error():
            st.error(escape(error))

with right:
    if demo:
        from klassruk.demo import featured_accounts
        from klassruk.demo.catalogue import DEMO_PASSWORD

        with db_read(Actor.system("login")) as session:
            accounts = featured_accounts(session)
        st.subheader("Демо-школа")
        st.write(f"Пароль у всех демо-учётных записей: `{DEMO_PASSWORD}`")
        st.table(
            {
                "Роль": [a.role_title for a in accounts],
                "Логин": [a.login for a in accounts],
                "Кто": [a.display_name for a in accounts],
            }
        )
    else:
        st.info(
            "Логин и код активации выдаёт классный руководитель. "
            "Не передавайте свой логин и пароль другим людям; если они стали известны "
            "посторонним, в течение одного рабочего дня сообщите руководителю школы."
        )
