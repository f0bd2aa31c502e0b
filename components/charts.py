"""Altair chart builders for the journal (data shaped by the services, aggregated in SQL)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import pandas as pd

from klassruk.models.journal import ABSENCE_TITLES, AbsenceMark
from klassruk.services.class_journal import (
    AT_RISK_AVERAGE,
    AttendancePoint,
    SubjectAverage,
    WeekPoint,
)

GRADE_COLORS = ["#d62728", "#ff7f0e", "#bcbd22", "#2ca02c", "#1f77b4"]


def subject_averages_chart(rows: Sequence[SubjectAverage]) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars: the class's weighted average per subject, with the risk line at 3."""
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
                title="Средний взвешенный балл",
                scale=alt.Scale(domain=[1, 5]),
            ),
            y=alt.Y("subject:N", title=None, sort="-x"),
            color=alt.condition(
                alt.datum.weighted_average < AT_RISK_AVERAGE,
                alt.value("#d62728"),
                alt.value("#1f77b4"),
            ),
            tooltip=[
                alt.Tooltip("subject:N", title="Предмет"),
                alt.Tooltip("weighted_average:Q", title="Взвешенный", format=".2f"),
                alt.Tooltip("average:Q", title="Средний", format=".2f"),
                alt.Tooltip("grades:Q", title="Оценок"),
            ],
        )
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [AT_RISK_AVERAGE]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    return alt.layer(bars, rule)


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
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            x=alt.X("grade:O", title="Оценка"),
            y=alt.Y("count:Q", title="Количество"),
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
    return (
        alt.Chart(data, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="Неделя с", sort=None),
            y=alt.Y(
                "weighted_average:Q",
                title="Средний взвешенный балл",
                scale=alt.Scale(domain=[1, 5]),
            ),
            tooltip=[
                alt.Tooltip("week:O", title="Неделя с"),
                alt.Tooltip("weighted_average:Q", title="Балл", format=".2f"),
                alt.Tooltip("grades:Q", title="Оценок"),
            ],
        )
    )


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
    return (
        alt.Chart(data, title="Пропуски по неделям")
        .mark_bar()
        .encode(
            x=alt.X("week:O", title="Неделя с", sort=None),
            y=alt.Y("count:Q", title="Отметок", stack=True),
            color=alt.Color("mark:N", title="Отметка", scale=alt.Scale(domain=domain)),
            tooltip=[
                alt.Tooltip("week:O", title="Неделя с"),
                alt.Tooltip("mark:N", title="Отметка"),
                alt.Tooltip("count:Q", title="Отметок"),
            ],
        )
    )
