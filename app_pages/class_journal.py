"""The class teacher's class journal: all subjects, read-only, with charts and students at risk."""

import streamlit as st

from components.class_teacher.class_journal import draw_card, draw_subject, draw_summary, open_view
from components.kit.auth import guard_page
from components.kit.feedback import reported_errors
from components.kit.pickers import class_picker, kept_tabs, period_picker, year_picker
from components.kit.school import today
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Журнал класса")
st.caption("Только просмотр: оценки ставят учителя-предметники.")
# Closed school years stay readable: the class of last year, its periods, the same numbers.
year = year_picker(actor, key="cj_year")
suffix = "" if year is None else f"_{year}"
left, right = st.columns(2)
with left:
    choice = class_picker(actor, Action.VIEW_CLASS_JOURNAL, key=f"cj_class{suffix}", year_id=year)
with right:
    period = period_picker(actor, today(), key=f"cj_period{suffix}", year_id=year)
if choice is None or period is None:
    st.stop()
with reported_errors():
    view = open_view(actor, choice.class_id, period.period_id)
    # Only the open tab runs: the summary's table is on screen before anything else is read.
    summary_tab, subject_tab, card_tab = kept_tabs(
        ["Сводка", "По предмету", "Карточка обучающегося"], key="cj_tab"
    )
    if summary_tab.open:
        with summary_tab:
            draw_summary(view)
    if subject_tab.open:
        with subject_tab:
            draw_subject(view)
    if card_tab.open:
        with card_tab:
            draw_card(view)
