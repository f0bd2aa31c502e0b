"""The deputy head's calendar and timetable: periods, holidays, slots, import, lesson changes."""

import streamlit as st

from components.auth import guard_page
from components.feedback import show_outcome
from components.pickers import kept_tabs
from components.runtime import db_read
from components.school import today
from components.timetable import changes_tab, holidays_tab, lessons_tab, periods_tab, slots_tab
from klassruk.permissions import Action
from klassruk.services.scope.classes import classes_in_scope

actor = guard_page(__file__)
st.title("Расписание и календарь")
show_outcome()
on = today()
with db_read(actor) as session:
    class_names = dict(classes_in_scope(session, actor, action=Action.MANAGE_CALENDAR))

periods, holidays, slots, lessons, changes = kept_tabs(
    ["Периоды", "Каникулы", "Расписание", "Уроки", "Замены и переносы"], key="tt_tab"
)
with periods:
    periods_tab(actor, on)
with holidays:
    holidays_tab(actor, on)
with slots:
    slots_tab(actor, class_names)
with lessons:
    lessons_tab(actor, on)
with changes:
    changes_tab(actor, class_names, on)
