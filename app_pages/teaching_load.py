"""Deputy head / admin: subjects, the teaching load, classes, imports, streams."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import reported_errors, show_outcome
from components.kit.pickers import kept_tabs
from components.kit.school import today
from components.timetable.classes import class_teachers_tab
from components.timetable.streams import streams_tab
from components.timetable.teaching_load import (
    LoadView,
    import_tab,
    load_tab,
    load_view,
    subjects_tab,
)
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Учебная нагрузка")
show_outcome()
view: LoadView | None = None
with reported_errors():
    view = load_view(actor, today())
if view is None:
    st.stop()

tabs = kept_tabs(
    ["Нагрузка", "Импорт из файла", "Предметы", "Классные руководители"]
    + (["Потоки"] if actor.can(Action.MANAGE_STREAMS) else []),
    key="tl_tab",
)
with tabs[0]:
    load_tab(view)
with tabs[1]:
    import_tab(view)
with tabs[2]:
    subjects_tab(view)
with tabs[3]:
    class_teachers_tab(view)
if len(tabs) > 4:
    with tabs[4]:
        streams_tab(view)
