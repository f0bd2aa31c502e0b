"""The change log screen: its filters, the table as shown and exported, the export buttons."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Literal

import pandas as pd
import streamlit as st

from components.kit.pickers import date_range_picker
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.xlsx import EXCEL
from klassruk.access.permissions import Actor
from klassruk.audit.titles import entity_title
from klassruk.services.audit_trail import (
    ChangeFilter,
    ChangeRow,
    LoginRow,
    change_authors,
    change_log,
    logged_entities,
)
from klassruk.services.spreadsheets import export_cell
from klassruk.text.formatting import format_timestamp

EXPORT_LIMIT = 50_000
# At 1366 px the changes themselves get the room; the action is one short word.
CHANGE_WIDTHS: dict[str, Literal["small", "medium", "large"]] = {
    "Действие": "small", "Объект": "medium", "Изменения": "large",
}
# «Any» in the filters: a selectbox showing None reads «Choose an option» in Streamlit 1.67.
ANYONE, ANYTHING = 0, ""
LAST_DAYS = 30


def change_filters(actor: Actor) -> ChangeFilter:
    """Who, what, which incident and which dates to show."""
    with db_read(actor) as session:
        authors = change_authors(session, actor)
        entities = logged_entities(session, actor)
    left, middle, right = st.columns(3)
    names = {a.user_id: a.name for a in authors}
    person = left.selectbox(
        "Кто", [ANYONE, *names], format_func=lambda i: names.get(i, "все"), key="audit_person",
    )
    entity = middle.selectbox(
        "Что изменено", [ANYTHING, *entities],
        format_func=lambda e: entity_title(e) if e else "всё", key="audit_entity",
    )
    incident = right.number_input(
        "Инцидент № (0 — любые)", min_value=0, step=1, value=0, key="audit_incident"
    )
    # Empty dates would show the date field's English «dd.mm.yyyy»: the last month by default.
    on = today()
    dates = date_range_picker(
        "audit", starts=on - timedelta(days=LAST_DAYS), ends=on, labels=("С даты", "По дату")
    )
    return ChangeFilter(
        author_id=person or None,
        entity=entity or None,
        date_from=dates.starts,
        date_to=dates.ends,
        incident_id=int(incident) or None,
    )


def change_table(rows: list[ChangeRow], zone: str) -> pd.DataFrame:
    """The rows as the screen and the export show them."""
    return pd.DataFrame(
        {
            "Когда": [format_timestamp(r.at, zone) for r in rows],
            "Кто": [r.who for r in rows],
            "Действие": [r.operation for r in rows],
            "Объект": [r.object for r in rows],
            "Изменения": [r.changes for r in rows],
            "Основание": [r.reason or "" for r in rows],
            "Инцидент": [
                f"недействительно (№ {r.voided_by_incident_id})" if r.voided_by_incident_id
                else (f"№ {r.incident_id}" if r.incident_id else "")
                for r in rows
            ],
        }
    )


def login_table(rows: list[LoginRow], zone: str) -> pd.DataFrame:
    """Logins, failures and logouts, apart from the data changes."""
    return pd.DataFrame(
        {
            "Когда": [format_timestamp(r.at, zone) for r in rows],
            "Кто": [r.who for r in rows],
            "Событие": [r.event for r in rows],
            "Подробности": [r.detail for r in rows],
            "Адрес": [r.address for r in rows],
        }
    )


def export_buttons(actor: Actor, filters: ChangeFilter, zone: str) -> None:
    """CSV and XLSX of every matching row, built only when a button is clicked."""
    def rows() -> pd.DataFrame:
        with db_read(actor) as session:
            everything = change_log(
                session, actor, filters=filters, timezone=zone, limit=EXPORT_LIMIT
            )
        # Reasons and names are user text: none may become a formula in a spreadsheet.
        return change_table(everything, zone).map(export_cell)

    def as_xlsx() -> bytes:
        buffer = io.BytesIO()
        rows().to_excel(buffer, index=False, sheet_name="Журнал изменений")
        return buffer.getvalue()

    left, right = st.columns(2)
    left.download_button(
        "Скачать CSV", data=lambda: rows().to_csv(index=False, sep=";").encode("utf-8-sig"),
        file_name="zhurnal_izmeneniy.csv", mime="text/csv", key="audit_csv",
        icon=":material/download:",
    )
    right.download_button(
        "Скачать XLSX", data=as_xlsx, file_name="zhurnal_izmeneniy.xlsx", mime=EXCEL,
        key="audit_xlsx", icon=":material/download:",
    )
