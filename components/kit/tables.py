"""Read-only tables of the page kit."""

# Usage: `show_table({"Столбец": [...], ...})` (or a data frame) draws the columns full width
# without the index; a missing value shows as «—», not Streamlit's English «None», and a table
# with no rows is a Russian line (`empty=`), not the grid's English «empty». It is the only
# `st.dataframe` of the app (tests/components/kit/test_kit_only_widgets.py); draw it in a column
# or an expander with `with column: show_table(...)`. Numbers that need the decimal comma either
# are formatted before (`klassruk.text.formatting.format_number` / `format_average`) or, where
# people sort by them, passed as numbers and named in `numbers=[...]`; any other column setting
# goes through `column_config` as in `st.dataframe`.

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import streamlit as st

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

    `numbers` name columns of numbers: they sort as numbers and show in the reader's locale
    (a Russian browser writes «1,5»), where text «1,5» would sort after «10». `widths` give
    columns of long text the room and short ones less; `column_config` is passed on as given.
    """
    frame = columns if isinstance(columns, pd.DataFrame) else pd.DataFrame(columns)
    if frame.empty:
        st.caption(empty)
        return
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        placeholder=MISSING,
        key=key,
        column_config={
            **{name: st.column_config.Column(width=size) for name, size in (widths or {}).items()},
            **{name: st.column_config.NumberColumn(format="localized") for name in numbers},
            **(column_config or {}),
        },
    )
