"""Family cabinet: who teaches the child each subject."""

import streamlit as st

from components.family import cabinet, school
from components.kit.auth import guard_page
from components.kit.pickers import child_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Учителя")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "teachers")
    school.teachers(actor, child)
