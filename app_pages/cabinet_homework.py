"""Family cabinet: homework of the coming days and the past week."""

import streamlit as st

from components import cabinet
from components.auth import guard_page
from components.pickers import child_picker
from components.school import today

actor = guard_page(__file__)
st.title("Домашние задания")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "homework")
    cabinet.homework(actor, child)
