"""A table the user downloads as XLSX, with user text kept from becoming formulas."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from klassruk.services.spreadsheets import export_cell

EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_button(table: pd.DataFrame, *, sheet: str, file_name: str, key: str) -> None:
    """«Скачать таблицу (XLSX)» for the rows as shown."""
    buffer = io.BytesIO()
    # Names and form numbers are user text: none may become a formula in the spreadsheet.
    table.map(export_cell).to_excel(buffer, index=False, sheet_name=sheet[:31])
    st.download_button(
        "Скачать таблицу (XLSX)", data=buffer.getvalue(), file_name=file_name, mime=EXCEL,
        key=key, icon=":material/download:",
    )
