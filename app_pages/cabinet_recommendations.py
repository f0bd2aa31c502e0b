"""Family cabinet: teachers' recommendations, newest first."""

import streamlit as st

from components.family import acknowledgement, cabinet
from components.kit.auth import guard_page
from components.kit.pickers import child_picker
from components.kit.school import today

actor = guard_page(__file__)
st.title("Рекомендации")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "recs")
    acknowledgement.recommendations(actor, child)
