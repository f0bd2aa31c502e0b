"""Roster import: students, guardians and links from XLSX/CSV, with a preview before writing."""

import hashlib

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db
from components.school import today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.permissions import Action
from klassruk.services.credentials import classes_in_scope
from klassruk.services.roster import (
    CHANGE_TITLES,
    ENTITY_TITLES,
    INSTRUCTIONS,
    Change,
    Entity,
    ImportPreview,
    apply_import,
    preview_import,
    template_csv,
    template_xlsx,
)

WHOLE_SCHOOL = "Вся школа (класс — из столбца «Класс»)"
FLASH = "roster_flash"
PREVIEW = "roster_preview_kept"

actor = guard(Action.IMPORT_ROSTER)
st.title("Импорт списка класса")
on = today()
with db(actor) as session:
    classes = classes_in_scope(session, actor, action=Action.IMPORT_ROSTER)
options = {choice.name: choice.class_id for choice in classes}
if actor.is_school_wide_for(Action.IMPORT_ROSTER):
    options = {WHOLE_SCHOOL: None, **options}
if not options:
    st.info("Классное руководство вам не назначено.")
    st.stop()
if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))

with st.expander("Шаблон и правила заполнения", expanded=False):
    for line in INSTRUCTIONS:
        st.markdown(f"- {line}")
    left, right = st.columns(2)
    left.download_button(
        "Скачать шаблон XLSX", data=template_xlsx(), file_name="shablon_spiska_klassa.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="roster_template_xlsx",
    )
    right.download_button(
        "Скачать шаблон CSV", data=template_csv(), file_name="shablon_spiska_klassa.csv",
        mime="text/csv", key="roster_template_csv",
    )

class_label = st.selectbox("Куда импортировать", list(options), key="roster_class")
class_id = options[class_label]
uploaded = st.file_uploader(
    "Файл со списком (XLSX или CSV)", type=["xlsx", "csv", "txt"], key="roster_file"
)
if uploaded is None:
    st.caption("Сначала загрузите файл: ничего не будет записано до подтверждения.")
    st.stop()

content = uploaded.getvalue()
# The preview is kept for this file, class, day and user in the session (never shared): a
# rerun of the page (any click) does not read and plan the whole file again.
preview_key = (hashlib.sha256(content).hexdigest(), uploaded.name, class_id, on, actor.user_id)
kept = st.session_state.get(PREVIEW)
if kept is None or kept[0] != preview_key:
    try:
        with db(actor) as session:
            outcome: ImportPreview | str = preview_import(
                session, actor, content=content, filename=uploaded.name, on=on, class_id=class_id
            )
    except DomainError as error:
        outcome = str(error)
    kept = st.session_state[PREVIEW] = (preview_key, outcome)
preview = kept[1]
if isinstance(preview, str):
    st.error(escape(preview))
    st.stop()
for note in preview.notes:
    st.info(escape(note))

columns = st.columns(3)
for column, entity in zip(columns, (Entity.STUDENT, Entity.GUARDIAN, Entity.LINK), strict=True):
    column.metric(
        ENTITY_TITLES[entity].capitalize(),
        f"+{preview.count(entity, Change.CREATE)}",
        help=f"обновится: {preview.count(entity, Change.UPDATE)}, "
        f"без изменений: {preview.count(entity, Change.UNCHANGED)}",
    )
if preview.errors:
    st.error(
        f"В файле ошибок: {len(preview.errors)}. Пока они есть, ничего не будет записано. "
        "Исправьте строки и загрузите файл снова."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Строка": [e.row for e in preview.errors],
                "Ошибка": [e.message for e in preview.errors],
            }
        ),
        hide_index=True,
        width="stretch",
        key="roster_errors",
    )
st.dataframe(
    pd.DataFrame(
        {
            "Строка": [line.row for line in preview.lines],
            "Запись": [ENTITY_TITLES[line.entity] for line in preview.lines],
            "ФИО": [line.name for line in preview.lines],
            "Класс": [line.class_name for line in preview.lines],
            "Что будет": [CHANGE_TITLES[line.change] for line in preview.lines],
            "Подробности": [line.detail for line in preview.lines],
        }
    ),
    hide_index=True,
    width="stretch",
    key="roster_preview",
)
if preview.errors:
    st.stop()
if not preview.has_changes:
    st.info("Все записи файла уже есть в базе: импортировать нечего.")
    st.stop()
if st.button("Импортировать", type="primary", key="roster_apply"):
    try:
        with db(actor) as session:
            done = apply_import(
                session, actor, content=content, filename=uploaded.name, on=on, class_id=class_id
            )
    except DomainError as error:
        st.error(escape(str(error)))
    else:
        st.session_state.pop(PREVIEW, None)
        st.session_state[FLASH] = (
            f"Импорт выполнен: обучающихся добавлено {done.count(Entity.STUDENT, Change.CREATE)}, "
            f"представителей — {done.count(Entity.GUARDIAN, Change.CREATE)}. "
            "Теперь можно выдать реквизиты на странице «Реквизиты доступа»."
        )
        st.rerun()
