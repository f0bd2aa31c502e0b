"""Family cabinet: absences of the period with their kind."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, period_picker, year_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Пропуски")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "absences")
    # A child's past school years stay readable after the rollover.
    year = year_picker(actor, key="absences_year")
    suffix = "" if year is None else f"_{year}"
    period = period_picker(actor, today(), key=f"absences_period{suffix}", year_id=year)
    if period is not None:
        cabinet.absences(actor, child, period)
