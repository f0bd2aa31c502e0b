"""Ad-hoc analysis for the administration: any measure by class, subject, teacher, period, week."""

import streamlit as st

from components.kit.auth import guard_page
from components.reports.analysis import draw_analysis

actor = guard_page(__file__)
st.title("Анализ")
st.caption("Выберите строки, столбцы и показатель; сводная таблица и диаграмма строятся по "
           "текущему учебному году.")
draw_analysis(actor)
