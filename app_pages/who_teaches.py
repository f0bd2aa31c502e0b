"""Who teaches a class, a group or one student: teachers with subjects and groups."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import reported_errors
from components.kit.pickers import class_picker
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Action
from klassruk.services import groups, overview

actor = guard_page(__file__)
st.title("Кто учит")
on = today()
picked = class_picker(actor, Action.VIEW_CLASS, key="wt_class")
if picked is None:
    st.stop()
class_id = picked.class_id
scope = st.radio("Показать", ["класс", "группа", "обучающийся"], horizontal=True, key="wt_scope")
title = ""
rows: list[groups.TeacherRow] = []
with reported_errors(), db_read(actor) as session:
    if scope == "класс":
        title = f"Учителя {picked.name} класса"
        rows = groups.teachers_of_class(session, actor, class_id=class_id, on=on)
    elif scope == "группа":
        options = {
            g.group_id: g.name
            for g in groups.groups_of_class(session, actor, class_id=class_id, on=on)
        }
        if not options:
            st.info("В классе нет учебных групп.")
            st.stop()
        group_id = st.selectbox(
            "Группа", list(options), format_func=options.__getitem__, key="wt_group"
        )
        title = f"Учителя группы «{options[group_id]}»"
        rows = groups.teachers_of_group(session, actor, group_id=group_id, on=on)
    else:
        roster = overview.class_roster(session, actor, class_id=class_id, on=on)
        if not roster:
            st.info("В классе нет обучающихся.")
            st.stop()
        names = {r.student_id: r.student for r in roster}
        student_id = st.selectbox(
            "Обучающийся", list(names), format_func=names.__getitem__, key="wt_student"
        )
        title = f"Учителя: {names[student_id]}"
        rows = groups.teachers_of_student(session, actor, student_id=student_id, on=on)
if not title:
    st.stop()

st.subheader(escape(title))
if not rows:
    st.info("Учебная нагрузка пока не внесена.")
else:
    show_table(
        {
            "Предмет": [r.subject for r in rows],
            "Учитель": [r.teacher for r in rows],
            "Группа": [r.group for r in rows],
            "Вид группы": [groups.KIND_TITLES[r.kind] for r in rows],
            "Часов в неделю": [r.hours_per_week for r in rows],
        },
        numbers=["Часов в неделю"],
    )
