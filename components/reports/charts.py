"""Altair charts of the reports (the data aggregated in SQL by the report services)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from components.kit.charts import RUSSIAN_NUMBERS
from klassruk.services.reports.rates import ClassRates, WeekRate
from klassruk.text.formatting import format_date

PERCENT = alt.Scale(domain=[0, 100])


def acknowledgement_rate_chart(rates: Sequence[WeekRate]) -> alt.Chart:
    """Bars: the share of the class's families who acknowledged each school week."""
    data = pd.DataFrame({
        "week": [format_date(r.week_start) for r in rates],
        "rate": [r.rate for r in rates],
        "acknowledged": [r.acknowledged for r in rates],
        "families": [r.families for r in rates],
    })
    return (
        alt.Chart(data, title="Подтвердили неделю, % семей")
        .mark_bar()
        .encode(
            x=alt.X("week:N", title="Неделя с", sort=None),
            y=alt.Y("rate:Q", title="%", scale=PERCENT),
            tooltip=[alt.Tooltip("week:N", title="Неделя с"),
                     alt.Tooltip("rate:Q", title="%", format=".1f"),
                     alt.Tooltip("acknowledged:Q", title="Подтвердили"),
                     alt.Tooltip("families:Q", title="Семей")],
        )
        .configure(locale=RUSSIAN_NUMBERS)
    )


def classes_rate_chart(classes: Sequence[ClassRates]) -> alt.Chart:
    """A heat map: classes by school weeks, coloured by the share of families who acknowledged."""
    data = pd.DataFrame([
        {"class": c.class_name, "week": format_date(r.week_start), "rate": r.rate}
        for c in classes for r in c.rates
    ], columns=["class", "week", "rate"])
    return (
        alt.Chart(data, title="Подтверждение недель по классам, % семей")
        .mark_rect()
        .encode(
            x=alt.X("week:N", title="Неделя с", sort=None),
            y=alt.Y("class:N", title="Класс", sort=None),
            color=alt.Color("rate:Q", title="%", scale=alt.Scale(domain=[0, 100],
                                                                  scheme="redyellowgreen")),
            tooltip=[alt.Tooltip("class:N", title="Класс"), alt.Tooltip("week:N", title="Неделя"),
                     alt.Tooltip("rate:Q", title="%", format=".1f")],
        )
        .configure(locale=RUSSIAN_NUMBERS)
    )
