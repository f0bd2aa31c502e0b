"""Family cabinet: reporting periods and holidays of the year."""

import streamlit as st

from components import cabinet
from components.auth import guard
from components.pickers import child_picker
from components.school import today
from klassruk.permissions import Action

actor = guard(Action.VIEW_CABINET)
st.title("Каникулы и четверти")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "calendar")
    cabinet.year_calendar(actor, child)
