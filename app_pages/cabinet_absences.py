"""Family cabinet: absences of the period with their kind."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, period_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Пропуски")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "absences")
    period = period_picker(actor, today(), key="absences_period")
    if period is not None:
        cabinet.absences(actor, child, period)
