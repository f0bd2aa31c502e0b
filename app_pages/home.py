"""Home page: one section per role the user holds, each with real figures."""

import streamlit as st

from components.auth import guard
from components.home_sections import SECTIONS
from components.incidents import notices_section
from klassruk.permissions import ROLE_TITLES, Action

actor = guard(Action.VIEW_HOME)
st.title("Главная")
notices_section(actor)
for role in sorted(actor.roles):
    st.header(ROLE_TITLES[role])
    SECTIONS[role](actor)
