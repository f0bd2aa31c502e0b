"""Home page: one section per role the user holds, each with real figures."""

import streamlit as st

from components.home.sections import SECTIONS
from components.kit.auth import guard_page
from components.security.incidents import notices_section
from klassruk.access.permissions import ROLE_TITLES

actor = guard_page(__file__)
st.title("Главная")
notices_section(actor)
for role in sorted(actor.roles):
    # A heading per role separates the sections of a person with several; with one it only
    # named the reader («Обучающийся» over a child's own day).
    if len(actor.roles) > 1:
        st.header(ROLE_TITLES[role])
    SECTIONS[role](actor)
