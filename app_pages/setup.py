"""First start on an empty database: a demo school or the setup of a real one."""

import streamlit as st

from components.kit.feedback import reported_errors
from components.kit.runtime import db, settings
from components.kit.school import browser_origin, timezone_picker, today
from klassruk.access.permissions import Actor
from klassruk.demo.catalogue import demo_year
from klassruk.services.school_settings import DEFAULT_TIMEZONE, reachable_by_users
from klassruk.setup import create_first_admin

SETUP_ACTOR = Actor.system("setup")

st.title("Классрук: первый запуск")
st.write(
    "База данных пуста. Создайте демо-школу, чтобы посмотреть систему, "
    "или настройте свою школу и первую учётную запись администратора."
)
demo_tab, real_tab = st.tabs(["Демо-школа", "Своя школа"])

with demo_tab:
    st.write(
        f"Учебный год {demo_year(today()).name}, классы с 1 по 11, обучающиеся, родители, "
        "учителя, классные руководители, завуч и администратор. Данные вымышленные."
    )
    if st.button("Создать демо-школу", type="primary", key="create_demo"):
        from klassruk.demo import seed_demo_school

        with reported_errors():
            with st.spinner("Создаём демо-школу…"), db(SETUP_ACTOR) as session:
                seed_demo_school(session, today=today())
            st.rerun()

with real_tab, st.form("first_admin"):
    school_name = st.text_input("Полное название образовательной организации")
    app_url = st.text_input(
        "Адрес Классрука для пользователей",
        value=browser_origin() or settings().app_url,
        help="Его печатают на листках с реквизитами доступа: по нему ученики и родители "
        "открывают Классрук. Администратор сможет изменить его позже.",
    )
    if not reachable_by_users(app_url):
        st.warning(
            "Это адрес самого сервера: с других компьютеров по нему не войти. Укажите адрес, "
            "который будут открывать ученики и родители (например, https://klassruk.school17.ru)."
        )
    zone = timezone_picker(DEFAULT_TIMEZONE, key="setup_tz")
    last_name = st.text_input("Фамилия администратора")
    first_name = st.text_input("Имя")
    middle_name = st.text_input("Отчество (если есть)")
    login = st.text_input("Логин администратора")
    password = st.text_input("Пароль", type="password")
    confirmation = st.text_input("Пароль ещё раз", type="password")
    if st.form_submit_button("Создать администратора", type="primary"):
        with reported_errors():
            with db(SETUP_ACTOR) as session:
                create_first_admin(
                    session,
                    SETUP_ACTOR,
                    school_name=school_name,
                    last_name=last_name,
                    first_name=first_name,
                    middle_name=middle_name,
                    login=login,
                    password=password,
                    confirmation=confirmation,
                    app_url=app_url,
                    timezone=zone,
                )
            # The next run finds an account and shows the login form.
            st.rerun()
