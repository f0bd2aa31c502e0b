"""Altair chart builders for the journal (data shaped by the services, aggregated in SQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from klassruk.models.journal import ABSENCE_TITLES, AbsenceMark
from klassruk.services.class_journal.charts import AttendancePoint, SubjectAverage
from klassruk.services.class_journal.common import WeekPoint
from klassruk.services.class_journal.summary import AT_RISK_AVERAGE

GRADE_COLORS = ["#d62728", "#ff7f0e", "#bcbd22", "#2ca02c", "#1f77b4"]
LOWEST_GRADE, HIGHEST_GRADE = 1, 5
# Grades live on 1..5: a scale from zero would draw bars and ticks where no grade can be.
GRADE_SCALE = alt.Scale(domain=[LOWEST_GRADE, HIGHEST_GRADE], nice=False)
# Vega formats numbers with d3-format; this is its ru-RU definition (decimal comma).
RUSSIAN_NUMBERS = alt.Locale(
    number=alt.NumberLocale(
        decimal=",", thousands="\u00a0", grouping=[3], currency=["", "\u00a0₽"]
    )
)
AVERAGE_FORMAT = ".2f"
GRADE_TICK_FORMAT = ".1f"
LABEL_LIMIT_PX = 260
BAR_STEP_PX = 22


VegaSpec = dict[str, Any]


def vega_spec(chart: Any) -> VegaSpec:
    """What `st.altair_chart` would send (data as Arrow), to cache and draw by `st.vega_lite_chart`.

    Building and validating an Altair chart costs more than its page's queries; a cached spec
    is drawn without Altair. Streamlit's own conversion (private, pinned version) keeps the
    element exactly as `st.altair_chart` makes it.
    """
    return _convert_altair_to_vega_lite_spec(chart)


def _russian(chart: Any) -> Any:
    """Top-level config every chart shares: Russian numbers, labels not cut short."""
    return (
        chart.configure(locale=RUSSIAN_NUMBERS)
        .configure_axis(labelLimit=LABEL_LIMIT_PX)
        .configure_legend(labelLimit=LABEL_LIMIT_PX)
    )


def _grade_axis(title: str) -> alt.Axis:
    return alt.Axis(title=title, format=GRADE_TICK_FORMAT, values=[1, 2, 3, 4, 5])


def subject_averages_chart(rows: Sequence[SubjectAverage]) -> alt.LayerChart:
    """Horizontal bars from 1: the class's weighted average per subject, the risk line at 3."""
    data = pd.DataFrame(
        {
            "subject": [r.subject for r in rows],
            "weighted_average": [r.weighted_average for r in rows],
            "average": [r.average for r in rows],
            "grades": [r.grades for r in rows],
        }
    )
    bars = (
        alt.Chart(data, title="Средний взвешенный балл по предметам")
        .mark_bar()
        .encode(
            x=alt.X(
                "weighted_average:Q",
                scale=GRADE_SCALE,
                axis=_grade_axis("Средний взвешенный балл"),
            ),
            # Bars start at the lowest grade, not at zero (which lies off the scale).
            x2=alt.datum(LOWEST_GRADE),
            y=alt.Y("subject:N", title=None, sort="-x", axis=alt.Axis(labelLimit=LABEL_LIMIT_PX)),
            color=alt.condition(
                alt.datum.weighted_average < AT_RISK_AVERAGE,
                alt.value("#d62728"),
                alt.value("#1f77b4"),
            ),
            tooltip=[
                alt.Tooltip("subject:N", title="Предмет"),
                alt.Tooltip("weighted_average:Q", title="Взвешенный", format=AVERAGE_FORMAT),
                alt.Tooltip("average:Q", title="Средний", format=AVERAGE_FORMAT),
                alt.Tooltip("grades:Q", title="Оценок"),
            ],
        )
        .properties(height=alt.Step(BAR_STEP_PX))
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [AT_RISK_AVERAGE]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x=alt.X("x:Q", scale=GRADE_SCALE))
    )
    return _russian(alt.layer(bars, rule))


def distribution_chart(
    distribution: Mapping[int, int], title: str = "Распределение оценок"
) -> alt.Chart:
    """Bars: how many 1s, 2s, 3s, 4s and 5s."""
    data = pd.DataFrame(
        {
            "grade": [str(v) for v in sorted(distribution)],
            "count": [distribution[v] for v in sorted(distribution)],
        }
    )
    chart = (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X("grade:O", title="Оценка", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Количество", axis=alt.Axis(format="d")),
            color=alt.Color(
                "grade:O",
                scale=alt.Scale(domain=["1", "2", "3", "4", "5"], range=GRADE_COLORS),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("grade:O", title="Оценка"),
                alt.Tooltip("count:Q", title="Количество"),
            ],
        )
    )
    return _russian(chart)


def weekly_trend_chart(
    points: Sequence[WeekPoint], title: str = "Успеваемость по неделям"
) -> alt.Chart:
    """A line of the weekly weighted average."""
    data = pd.DataFrame(
        {
            "week": [p.week_start.strftime("%d.%m") for p in points],
            "weighted_average": [p.weighted_average for p in points],
            "grades": [p.grades for p in points],
        }
    )
    chart = (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="Неделя с", sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "weighted_average:Q",
                scale=GRADE_SCALE,
                axis=_grade_axis("Средний взвешенный балл"),
            ),
            tooltip=[
                alt.Tooltip("week:O", title="Неделя с"),
                alt.Tooltip("weighted_average:Q", title="Балл", format=AVERAGE_FORMAT),
                alt.Tooltip("grades:Q", title="Оценок"),
            ],
        )
    )
    return _russian(chart)


def attendance_chart(points: Sequence[AttendancePoint]) -> alt.Chart:
    """Stacked bars: absence marks per week by kind."""
    data = pd.DataFrame(
        {
            "week": [p.week_start.strftime("%d.%m") for p in points],
            "mark": [f"{p.mark.value} — {ABSENCE_TITLES[p.mark]}" for p in points],
            "count": [p.count for p in points],
        }
    )
    domain = [f"{m.value} — {ABSENCE_TITLES[m]}" for m in AbsenceMark]
    chart = (
        alt.Chart(data, title="Пропуски по неделям")
        .mark_bar()
        .encode(
            x=alt.X("week:O", title="Неделя с", sort=None, axis=alt.Axis(labelAngle=0)),
            # A nice scale leaves head room above the tallest stack.
            y=alt.Y(
                "count:Q",
                title="Отметок",
                stack=True,
                scale=alt.Scale(nice=True),
                axis=alt.Axis(format="d"),
            ),
            color=alt.Color(
                "mark:N",
                title="Отметка",
                scale=alt.Scale(domain=domain),
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            tooltip=[
                alt.Tooltip("week:O", title="Неделя с"),
                alt.Tooltip("mark:N", title="Отметка"),
                alt.Tooltip("count:Q", title="Отметок"),
            ],
        )
    )
    return _russian(chart)
