"""Family cabinet: teachers' recommendations, newest first."""

import streamlit as st

from components import cabinet
from components.auth import guard
from components.pickers import child_picker
from components.school import today
from klassruk.permissions import Action

actor = guard(Action.VIEW_CABINET)
st.title("Рекомендации")
child = child_picker(actor, today())
if child is not None:
    cabinet.open_screen(actor, child, "recs")
    cabinet.recommendations(actor, child)
