"""Family cabinet: the tests schedule of the period."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, period_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Контрольные работы")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "tests")
    period = period_picker(actor, today(), key="tests_period")
    if period is not None:
        cabinet.tests(actor, child, period)
