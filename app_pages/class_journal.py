"""The class teacher's class journal: all subjects, read-only, with charts and students at risk."""

import streamlit as st

from components.class_teacher.class_journal import (
    draw_card,
    draw_charts,
    draw_details,
    draw_subject,
    draw_summary,
)
from components.class_teacher.class_journal_reads import open_view
from components.kit.auth import guard_page
from components.kit.feedback import reported_errors
from components.kit.pickers import class_choice, kept_tabs, period_choice, year_choice
from components.kit.school import today
from components.kit.text import escape
from klassruk.access.permissions import Action

actor = guard_page(__file__)
TABS = {
    "Сводка": draw_summary,
    "Подробно": draw_details,
    "Графики": draw_charts,
    "По предмету": draw_subject,
    "Карточка обучающегося": draw_card,
}
st.title("Журнал класса")
# The pickers and the line under the title are drawn into this container after the table:
# Chromium shows the table sooner when its message comes before theirs (their choices are known
# before they are drawn).
pickers = st.container()
# Closed school years stay readable: the class of last year, its periods, the same numbers.
year = year_choice(actor, key="cj_year")
suffix = "" if year.value is None else f"_{year.value}"
choice = class_choice(actor, Action.VIEW_CLASS_JOURNAL, key=f"cj_class{suffix}", year_id=year.value)
period = period_choice(actor, today(), key=f"cj_period{suffix}", year_id=year.value, dated=False)
if choice.value is not None and period.value is not None:
    with reported_errors():
        view = open_view(actor, choice.value.class_id, period.value.period_id)
        # Only the open tab runs: the summary's table is on screen before anything else is read.
        # Details and charts are tabs, not sections under the table: fewer elements to draw on
        # every load of the summary (README, issue 28: the load's cost grows with the elements).
        tabs = kept_tabs(list(TABS), key="cj_tab")
        for tab, draw in zip(tabs, TABS.values(), strict=True):
            if tab.open:
                with tab:
                    draw(view)
with pickers:
    # One line for what is fixed: the class when there is only one, the period's dates.
    line = ["Только просмотр: оценки ставят учителя-предметники."]
    if period.value is not None:
        line.insert(0, period.value.label)
    if choice.fixed and choice.value is not None:
        line.insert(0, f"Класс {choice.value.name}")
    st.caption(escape(" · ".join(line)))
    year.draw()
    if choice.fixed:
        period.draw()
    else:
        left, right = st.columns(2)
        with left:
            choice.draw()
        with right:
            period.draw()
