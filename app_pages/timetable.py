"""The deputy head's calendar and timetable: periods, holidays, slots, import, lesson changes."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import kept_tabs
from components.kit.runtime import db_read
from components.kit.school import today
from components.timetable.changes import changes_tab
from components.timetable.timetable import holidays_tab, lessons_tab, periods_tab, slots_tab
from klassruk.access.permissions import Action
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
