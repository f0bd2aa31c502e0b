"""Family cabinet: the guardian confirms «Ознакомлен(а)» for a week and single items."""

import streamlit as st

from components.family import acknowledgement, cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker, week_navigator
from components.kit.school import today

actor = guard_page(__file__)
st.title("Ознакомление")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "acks")
    acknowledgement.acknowledgement(actor, child, week_navigator("acks", today()))
