"""Family cabinet: homework of the coming days and the past week."""

import streamlit as st

from components.family import cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Домашние задания")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "homework")
    cabinet.homework(actor, child)
