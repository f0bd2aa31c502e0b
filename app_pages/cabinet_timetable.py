"""Family cabinet: the week's lessons with substitutions, moves and cancellations."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, week_navigator
from components.kit.school import today
from klassruk.services import calendar

actor = guard_page(__file__)
st.title("Расписание")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "timetable")
    # At the weekend families look at the coming week.
    monday = week_navigator("timetable", calendar.coming_week_start(today()))
    cabinet.timetable(actor, child, monday)
