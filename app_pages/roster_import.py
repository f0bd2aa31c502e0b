"""Roster import: students, guardians and links from XLSX/CSV, with a preview before writing."""

import streamlit as st

from components.class_teacher.roster_import import (
    import_roster,
    preview,
    roster_file,
    target_picker,
    template_help,
)
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.school import today
from components.kit.uploads import file_picker
from klassruk.services.spreadsheets import MAX_FILE_BYTES

actor = guard_page(__file__)
st.title("Импорт списка класса")
target = target_picker(actor)
if target is None:
    st.stop()
show_outcome()
template_help()

uploaded = file_picker(
    "Файл со списком", kinds=["xlsx", "csv", "txt"], max_bytes=MAX_FILE_BYTES, key="roster_file"
)
if uploaded is None:
    st.caption("Сначала загрузите файл: ничего не будет записано до подтверждения.")
    st.stop()
file = roster_file(uploaded, target, today())
planned = preview(actor, file)
if planned is None:
    st.stop()
if not planned.has_changes:
    st.info("Все записи файла уже есть в базе: импортировать нечего.")
    st.stop()
if st.button("Импортировать", type="primary", key="roster_apply"):
    import_roster(actor, file)
