"""The ad-hoc analysis screen: rows, columns, a measure and filters → a pivot, a chart, files."""

# Usage: `draw_analysis(actor)`. The service aggregates in SQL; only its cells reach pandas.

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from components.kit.charts import RUSSIAN_NUMBERS
from components.kit.feedback import reported_errors
from components.kit.pickers import multi_picker
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.tables import show_table
from components.kit.xlsx import xlsx_button
from klassruk.access.permissions import Actor
from klassruk.services.reports.pivot import (
    DIMENSION_TITLES,
    MEASURE_TITLES,
    Dimension,
    Filters,
    Measure,
    Pivot,
    analysis_options,
    pivot,
)
from klassruk.services.spreadsheets import export_cell

NONE = "—"


def _frame(result: Pivot, rows: Dimension) -> pd.DataFrame:
    frame = pd.DataFrame(
        [[result.cells.get((r, c)) for c in result.columns] for r in result.rows],
        columns=result.columns,
    )
    frame.insert(0, DIMENSION_TITLES[rows], result.rows)
    return frame


def _chart(result: Pivot, rows: Dimension, title: str) -> alt.Chart:
    data = pd.DataFrame(
        [{"row": r, "column": c, "value": v} for (r, c), v in result.cells.items()],
        columns=["row", "column", "value"],
    )
    encoding = {
        "x": alt.X("row:N", title=DIMENSION_TITLES[rows], sort=result.rows),
        "y": alt.Y("value:Q", title=title),
        "tooltip": [
            alt.Tooltip("row:N", title=DIMENSION_TITLES[rows]),
            alt.Tooltip("column:N", title="Столбец"),
            alt.Tooltip("value:Q", title=title, format=",.2f"),
        ],
    }
    if len(result.columns) > 1:
        encoding["color"] = alt.Color("column:N", title=None, sort=result.columns)
        encoding["xOffset"] = alt.XOffset("column:N", sort=result.columns)
    return alt.Chart(data).mark_bar().encode(**encoding).configure(locale=RUSSIAN_NUMBERS)


def draw_analysis(actor: Actor) -> None:
    """The whole screen."""
    with db_read(actor) as session:
        options = analysis_options(session, actor)
    dims = list(Dimension)
    left, middle, right = st.columns(3)
    rows = (
        left.selectbox("Строки", dims, format_func=DIMENSION_TITLES.__getitem__, key="an_rows")
        or Dimension.CLASS
    )
    columns = middle.selectbox(
        "Столбцы",
        [None, *dims],
        index=3,
        format_func=lambda d: NONE if d is None else DIMENSION_TITLES[d],
        key="an_columns",
    )
    measure = (
        right.selectbox(
            "Показатель", list(Measure), format_func=MEASURE_TITLES.__getitem__, key="an_measure"
        )
        or Measure.AVERAGE
    )
    with st.expander("Фильтры"):
        picked = {}
        for name, label, choices in (
            ("class_ids", "Классы", options.classes),
            ("subject_ids", "Предметы", options.subjects),
            ("period_ids", "Периоды", options.periods),
            ("teacher_ids", "Учителя", options.teachers),
        ):
            titles = dict(choices)
            picked[name] = multi_picker(
                label,
                list(titles),
                format_func=titles.__getitem__,
                key=f"an_{name}",
                placeholder="все",
            )
    with reported_errors():
        with db_read(actor) as session:
            result = pivot(
                session,
                actor,
                measure=measure,
                rows=rows,
                columns=columns,
                filters=Filters(**picked),
                on=today(),
            )
        if not result.cells:
            st.info("Нет данных для выбранных строк, столбцов и фильтров.")
            return
        frame = _frame(result, rows)
        # Averages to two decimals (the default); counts and percentages as they are.
        show_table(frame, numbers=[] if measure is Measure.AVERAGE else result.columns)
        st.altair_chart(_chart(result, rows, MEASURE_TITLES[measure]))
        left, right = st.columns(2)
        with left:
            xlsx_button(frame, sheet="Анализ", file_name="analiz.xlsx", key="an_xlsx")
        right.download_button(
            "Скачать CSV",
            frame.map(export_cell).to_csv(index=False).encode("utf-8-sig"),
            "analiz.csv",
            "text/csv",
            key="an_csv",
            icon=":material/download:",
        )
