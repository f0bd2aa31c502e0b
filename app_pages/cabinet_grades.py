"""Family cabinet: every grade of the period per subject, averages explained."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, period_picker, year_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Оценки")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "grades")
    # A child's past school years stay readable after the rollover.
    year = year_picker(actor, key="grades_year")
    suffix = "" if year is None else f"_{year}"
    period = period_picker(actor, today(), key=f"grades_period{suffix}", year_id=year)
    if period is not None:
        cabinet.grades(actor, child, period)
