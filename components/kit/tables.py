"""Read-only tables of the page kit."""

# Usage: `show_table({"Столбец": [...], ...})` (or a data frame) draws the columns full width
# without the index; a missing value shows as «—», not Streamlit's English «None», and a table
# with no rows is a Russian line (`empty=`), not the grid's English «empty». It is the only
# `st.dataframe` of the app (tests/components/kit/test_kit_only_widgets.py); draw it in a column
# or an expander with `with column: show_table(...)`. Pass numbers as numbers: they sort as
# numbers and show the Russian way whatever the browser's language — a column of fractions
# (averages) to two decimals («4,10»), a column named in `numbers=[...]` (hours, counts,
# percentages) with at most two («1,5»). That text is a pandas Styler's, ~20 ms a table of 30
# rows: the big class journal passes its averages as fixed text («4,10» sorts right from 1,00 to
# 5,00) instead. Any other column setting goes through `column_config` as in `st.dataframe`.

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import streamlit as st

from klassruk.text.formatting import format_average, format_number

MISSING = "—"


def show_table(
    columns: Mapping[str, Sequence[object]] | pd.DataFrame,
    *,
    key: str | None = None,
    empty: str = "Записей нет.",
    numbers: Sequence[str] = (),
    widths: Mapping[str, Literal["small", "medium", "large"]] | None = None,
    column_config: Mapping[str, Any] | None = None,
) -> None:
    """A read-only table of the given columns, full width, missing values as «—».

    Columns of fractions show as averages («4,10»); `numbers` name other columns of numbers
    («1,5», «12»). Both sort as numbers, where text «1,5» would sort after «10». `widths` give
    columns of long text the room and short ones less; `column_config` is passed on as given.
    """
    frame = columns if isinstance(columns, pd.DataFrame) else pd.DataFrame(columns)
    if frame.empty:
        st.caption(empty)
        return
    st.dataframe(
        _russian_numbers(frame, numbers),
        hide_index=True,
        width="stretch",
        placeholder=MISSING,
        key=key,
        column_config={
            **{name: st.column_config.Column(width=size) for name, size in (widths or {}).items()},
            **(column_config or {}),
        },
    )


def _russian_numbers(
    frame: pd.DataFrame, numbers: Sequence[str]
) -> pd.DataFrame | pd.io.formats.style.Styler:
    """The frame with its numbers shown with the decimal comma; the cells stay numbers.

    A browser's own number format follows its language (an English one writes «4.1»), so the
    text is fixed here and the grid keeps the numbers underneath for sorting.
    """
    counted = [name for name in numbers if name in frame.columns]
    averages = [
        name
        for name in frame.columns
        if name not in counted and pd.api.types.is_float_dtype(frame[name])
    ]
    if not counted and not averages:
        return frame
    styler = frame.style
    if averages:
        styler = styler.format(format_average, subset=averages, na_rep=MISSING)
    if counted:
        styler = styler.format(format_number, subset=counted, na_rep=MISSING)
    return styler
