"""Download buttons that print or export what a screen shows (XLSX and A4 PDF, on click)."""

# Usage: `table_files(title, [("Сводка", frame), …], stem="zhurnal_7A", key="cj_sum")` under the
# tables. The frames are the ones on screen, read by services that checked the actor's scope;
# the files are built only when a button is clicked.

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from klassruk.pdf.reports import PrintedTable, render_tables
from klassruk.services.reports.exports import tables_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Screen symbols the embedded PT Sans lacks, as printable text.
PRINTABLE = str.maketrans({"⚠": "(!)"})


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).translate(PRINTABLE)


Frames = Sequence[tuple[str, pd.DataFrame]]


def workbook_of(frames: Frames) -> bytes:
    """The frames as a workbook, a sheet each."""
    return tables_xlsx([(heading, [str(c) for c in frame.columns],
                         frame.astype(object).where(frame.notna(), None).values.tolist())
                        for heading, frame in frames])


def printed_of(title: str, frames: Frames, subtitle: str = "") -> bytes:
    """The frames printed on A4 landscape."""
    return render_tables(title, [
        PrintedTable(heading, [str(c) for c in frame.columns],
                     [[_text(v) for v in row] for row in frame.itertuples(index=False)])
        for heading, frame in frames
    ], subtitle=subtitle)


def table_files(title: str, frames: Frames, *, stem: str, key: str, subtitle: str = "") -> None:
    """«Скачать XLSX» and «Печать (PDF)» for these tables, in one «Скачать или распечатать» menu."""
    # One closed menu instead of a row of two buttons: the browser draws (and loads the code
    # of) the buttons only when it is opened, not while the table is coming on screen.
    menu = st.popover("Скачать или распечатать", icon=":material/download:")
    menu.download_button("Скачать XLSX", lambda: workbook_of(frames), f"{stem}.xlsx", XLSX,
                         key=f"{key}_xlsx", icon=":material/table:", width="stretch")
    menu.download_button("Печать (PDF)", lambda: printed_of(title, frames, subtitle),
                          f"{stem}.pdf", "application/pdf", key=f"{key}_pdf",
                          icon=":material/print:", width="stretch")
