"""The class teacher's class journal: all subjects, read-only, with charts and students at risk."""

import streamlit as st

from components.class_teacher.class_journal import draw_card, draw_subject, draw_summary
from components.class_teacher.class_journal_reads import open_view
from components.kit.auth import guard_page
from components.kit.feedback import reported_errors
from components.kit.pickers import class_choice, kept_tabs, period_choice, year_choice
from components.kit.school import today
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Журнал класса")
st.caption("Только просмотр: оценки ставят учителя-предметники.")
# The pickers are drawn into this container after the table: Chromium shows the table sooner
# when its message comes before theirs (their choices are known before they are drawn).
pickers = st.container()
# Closed school years stay readable: the class of last year, its periods, the same numbers.
year = year_choice(actor, key="cj_year")
suffix = "" if year.value is None else f"_{year.value}"
choice = class_choice(actor, Action.VIEW_CLASS_JOURNAL, key=f"cj_class{suffix}", year_id=year.value)
period = period_choice(actor, today(), key=f"cj_period{suffix}", year_id=year.value)
if choice.value is not None and period.value is not None:
    with reported_errors():
        view = open_view(actor, choice.value.class_id, period.value.period_id)
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
with pickers:
    year.draw()
    left, right = st.columns(2)
    with left:
        choice.draw()
    with right:
        period.draw()
