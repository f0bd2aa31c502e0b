"""Admin: the audit trail of every change, readable by school IT, with filters and export."""

import io

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db_read
from components.school import school_timezone
from klassruk.audit_titles import entity_title
from klassruk.formatting import format_timestamp
from klassruk.permissions import Action
from klassruk.services.audit_trail import (
    ChangeFilter,
    ChangeRow,
    change_authors,
    change_log,
    count_changes,
    logged_entities,
)
from klassruk.services.spreadsheets import export_cell

PAGE_SIZE = 100
EXPORT_LIMIT = 50_000

actor = guard(Action.VIEW_AUDIT_LOG)
st.title("Журнал изменений")
zone = school_timezone()
with db_read(actor) as session:
    authors = change_authors(session, actor)
    entities = logged_entities(session, actor)

left, middle, right = st.columns(3)
people = {f"{a.name} ({a.login})": a.user_id for a in authors}
person = left.selectbox("Кто вносил изменения", ["все", *people], key="audit_person")
entity = middle.selectbox(
    "Что изменено", [None, *entities],
    format_func=lambda e: "всё" if e is None else entity_title(e), key="audit_entity",
)
incident = right.number_input(
    "Инцидент № (0 — любые)", min_value=0, step=1, value=0, key="audit_incident"
)
left, right = st.columns(2)
date_from = left.date_input("С даты", value=None, format="DD.MM.YYYY", key="audit_from")
date_to = right.date_input("По дату", value=None, format="DD.MM.YYYY", key="audit_to")
filters = ChangeFilter(
    author_id=people.get(person),
    entity=entity,
    date_from=date_from,
    date_to=date_to,
    incident_id=int(incident) or None,
)


def table(rows: list[ChangeRow]) -> pd.DataFrame:
    """The rows as the screen and the export show them."""
    return pd.DataFrame(
        {
            "Когда": [format_timestamp(r.at, zone) for r in rows],
            "Кто": [r.who for r in rows],
            "Действие": [r.operation for r in rows],
            "Объект": [r.entity for r in rows],
            "Запись №": [r.entity_id for r in rows],
            "Изменения": [r.changes for r in rows],
            "Основание": [r.reason or "" for r in rows],
            "Инцидент": [
                f"недействительно (№ {r.voided_by_incident_id})" if r.voided_by_incident_id
                else (f"№ {r.incident_id}" if r.incident_id else "")
                for r in rows
            ],
        }
    )


with db_read(actor) as session:
    total = count_changes(session, actor, filters=filters, timezone=zone)
pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input(f"Страница (из {pages})", min_value=1, max_value=pages, value=1,
                       key="audit_page")
with db_read(actor) as session:
    rows = change_log(
        session, actor, filters=filters, timezone=zone, limit=PAGE_SIZE,
        offset=(int(page) - 1) * PAGE_SIZE,
    )
st.caption(f"Найдено изменений: {total}; показаны {len(rows)}, новые сверху.")
st.dataframe(table(rows), hide_index=True, width="stretch", key="audit_table")


def export_rows() -> pd.DataFrame:
    """Every matching row (up to the export limit), safe for spreadsheets."""
    with db_read(actor) as session:
        everything = change_log(
            session, actor, filters=filters, timezone=zone, limit=EXPORT_LIMIT
        )
    # Reasons and names are user text: none may become a formula in a spreadsheet.
    return table(everything).map(export_cell)


def as_xlsx() -> bytes:
    """The matching rows as an Excel workbook."""
    buffer = io.BytesIO()
    export_rows().to_excel(buffer, index=False, sheet_name="Журнал изменений")
    return buffer.getvalue()


left, right = st.columns(2)
left.download_button(
    "Скачать CSV", data=lambda: export_rows().to_csv(index=False, sep=";").encode("utf-8-sig"),
    file_name="zhurnal_izmeneniy.csv", mime="text/csv", key="audit_csv",
    icon=":material/download:",
)
right.download_button(
    "Скачать XLSX", data=as_xlsx, file_name="zhurnal_izmeneniy.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="audit_xlsx", icon=":material/download:",
)
