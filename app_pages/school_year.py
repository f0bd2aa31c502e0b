"""The admin's new school year: close the year, promote the classes, open the next one."""

import streamlit as st

from components.administration.school_year import school_year_screen
from components.kit.auth import guard_page

actor = guard_page(__file__)
st.title("Новый учебный год")
school_year_screen(actor)
