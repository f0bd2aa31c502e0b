"""The subject teacher's journal: grades and absences grid, topics, tests, period grades."""

import streamlit as st

from components.journal.editors import grades_tab, period_tab, topics_tab
from components.journal.saving import save
from components.journal.screen import Edits, open_journal, show_state
from components.journal.tabs import advice_tab, history_tab, tests_tab
from components.kit.auth import guard_page
from components.kit.pickers import kept_tabs
from components.kit.school import today

actor = guard_page(__file__)
st.title("Журнал")
screen = open_journal(actor, today())
if screen is None or not show_state(screen):
    st.stop()

substitute = screen.assignment.substitute
tabs = kept_tabs(
    ["Оценки", "Темы и задания"]
    + ([] if substitute else ["Контрольные", "За период", "Рекомендации", "История"]),
    key="journal_tab" if not substitute else "journal_tab_substitute",
)
edits: dict[str, Edits] = {}
with tabs[0]:
    edits["grid"] = grades_tab(screen)
with tabs[1]:
    edits["topics"] = topics_tab(screen)
if not substitute:
    with tabs[3]:
        edits["period"] = period_tab(screen)
save(screen, edits)
if substitute:
    st.stop()
with tabs[2]:
    tests_tab(screen)
with tabs[4]:
    advice_tab(screen)
with tabs[5]:
    history_tab(screen)
