"""Family cabinet: the tests schedule of the period."""

import streamlit as st

from components import cabinet
from components.auth import guard_page
from components.pickers import child_picker, period_picker
from components.school import today

actor = guard_page(__file__)
st.title("Контрольные работы")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "tests")
    period = period_picker(actor, today(), key="tests_period")
    if period is not None:
        cabinet.tests(actor, child, period)
