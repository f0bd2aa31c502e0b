"""Family cabinet: the guardian confirms «Ознакомлен(а)» for a week and single items."""

import streamlit as st

from components import cabinet
from components.auth import guard_page
from components.pickers import child_picker, week_navigator
from components.school import today

actor = guard_page(__file__)
st.title("Ознакомление")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "acks")
    cabinet.acknowledgement(actor, child, week_navigator("acks", today()))
