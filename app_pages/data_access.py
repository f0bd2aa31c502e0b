"""Admin: who opened whose personal data, per student or per user."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.runtime import db_read
from components.kit.school import school_timezone
from components.kit.tables import show_table
from klassruk.models.incidents import DATA_ACCESS_TITLES
from klassruk.services.accounts.users import list_users
from klassruk.services.data_access import AccessRow, access_log, find_students
from klassruk.text.formatting import format_timestamp

actor = guard_page(__file__)
st.title("Доступ к персональным данным")
zone = school_timezone()
by_student, by_user = st.tabs(["По обучающемуся", "По пользователю"])


def show(rows: list[AccessRow]) -> None:
    """The openings, newest first."""
    show_table(
        {
            "Когда": [format_timestamp(r.at, zone) for r in rows],
            "Кто": [r.who for r in rows],
            "Что открыто": [DATA_ACCESS_TITLES[r.kind] for r in rows],
            "Обучающийся": [r.student or "" for r in rows],
            "Класс": [r.class_name or "" for r in rows],
        },
        empty="Обращений не найдено.",
    )


with by_student:
    search = st.text_input("Фамилия или имя обучающегося", key="access_student_search")
    with db_read(actor) as session:
        students = find_students(session, actor, search=search)
    if not students:
        st.info("Обучающиеся не найдены.")
    else:
        names = {s.student_id: s.name for s in students}
        student_id = st.selectbox(
            "Обучающийся", list(names), format_func=names.__getitem__, key="access_student"
        )
        with db_read(actor) as session:
            show(access_log(session, actor, student_id=student_id))
with by_user:
    search = st.text_input("ФИО или логин пользователя", key="access_user_search")
    if search.strip():
        with db_read(actor) as session:
            users = list_users(session, actor, search=search, limit=50)
        people = {u.user_id: f"{u.display_name} ({u.login})" for u in users}
        if not people:
            st.info("Пользователи не найдены.")
        else:
            user_id = st.selectbox(
                "Пользователь", list(people), format_func=people.__getitem__, key="access_user"
            )
            with db_read(actor) as session:
                show(access_log(session, actor, user_id=user_id))
