"""The roster-import screen: where to import, the file's preview, and the import itself."""

# The preview of a file is planned once per file, class, day and user and kept in this browser
# session under one key of this module: any click reruns the page, and planning a whole file
# again on each would be slow.

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from components.kit.feedback import announce, reported_errors
from components.kit.pickers import NO_CLASS
from components.kit.runtime import db, db_read
from components.kit.tables import show_table
from components.kit.text import escape
from components.kit.xlsx import EXCEL
from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.services.roster import preview_import
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.plans import (
    CHANGE_TITLES,
    ENTITY_TITLES,
    Change,
    Entity,
    ImportPreview,
)
from klassruk.services.roster.templates import INSTRUCTIONS, template_csv, template_xlsx
from klassruk.services.scope.classes import classes_in_scope

WHOLE_SCHOOL = "Вся школа (класс — из столбца «Класс»)"
_PREVIEW = "roster_preview_kept"


@dataclass(frozen=True)
class Target:
    """Where the rows go: one class, or the whole school (class_id None)."""

    class_id: int | None


@dataclass(frozen=True)
class RosterFile:
    """An uploaded roster and what it is imported into, on which day."""

    content: bytes
    filename: str
    target: Target
    on: date

    def arguments(self) -> dict[str, Any]:
        """What the roster services take about the file: content, name, day and class."""
        return {
            "content": self.content,
            "filename": self.filename,
            "on": self.on,
            "class_id": self.target.class_id,
        }


def target_picker(actor: Actor) -> Target | None:
    """The actor's classes, and the whole school for those who import school-wide."""
    with db_read(actor) as session:
        classes = classes_in_scope(session, actor, action=Action.IMPORT_ROSTER)
    options: dict[str, int | None] = {choice.name: choice.class_id for choice in classes}
    if actor.is_school_wide_for(Action.IMPORT_ROSTER):
        options = {WHOLE_SCHOOL: None, **options}
    if not options:
        st.info(NO_CLASS)
        return None
    label = st.selectbox("Куда импортировать", list(options), key="roster_class")
    return Target(options[label])


def template_help() -> None:
    """The filling rules and the two templates to download."""
    with st.expander("Шаблон и правила заполнения", expanded=False):
        for line in INSTRUCTIONS:
            st.markdown(f"- {line}")
        templates = (
            ("XLSX", template_xlsx(), EXCEL),
            ("CSV", template_csv(), "text/csv"),
        )
        for column, (kind, data, mime) in zip(st.columns(2), templates, strict=True):
            column.download_button(
                f"Скачать шаблон {kind}",
                data=data,
                file_name=f"shablon_spiska_klassa.{kind.lower()}",
                mime=mime,
                key=f"roster_template_{kind.lower()}",
            )


def roster_file(uploaded: UploadedFile, target: Target, on: date) -> RosterFile:
    """The upload as the import reads it."""
    return RosterFile(uploaded.getvalue(), uploaded.name, target, on)


def _kept_preview(actor: Actor, file: RosterFile) -> ImportPreview | str:
    key = (
        hashlib.sha256(file.content).hexdigest(),
        file.filename,
        file.target.class_id,
        file.on,
        actor.user_id,
    )
    kept = st.session_state.get(_PREVIEW)
    if kept is None or kept[0] != key:
        try:
            with db(actor) as session:
                outcome: ImportPreview | str = preview_import(
                    session, actor, **file.arguments()
                )
        except DomainError as error:
            outcome = str(error)
        kept = st.session_state[_PREVIEW] = (key, outcome)
    return kept[1]


def preview(actor: Actor, file: RosterFile) -> ImportPreview | None:
    """What the import would do, shown; None when the file is unreadable or has errors."""
    planned = _kept_preview(actor, file)
    if isinstance(planned, str):
        st.error(escape(planned))
        return None
    for note in planned.notes:
        st.info(escape(note))
    columns = st.columns(3)
    for column, entity in zip(columns, (Entity.STUDENT, Entity.GUARDIAN, Entity.LINK), strict=True):
        column.metric(
            ENTITY_TITLES[entity].capitalize(),
            f"+{planned.count(entity, Change.CREATE)}",
            help=f"обновится: {planned.count(entity, Change.UPDATE)}, "
            f"без изменений: {planned.count(entity, Change.UNCHANGED)}",
        )
    if planned.errors:
        st.error(
            f"В файле ошибок: {len(planned.errors)}. Пока они есть, ничего не будет записано. "
            "Исправьте строки и загрузите файл снова."
        )
        show_table(
            {
                "Строка": [e.row for e in planned.errors],
                "Ошибка": [e.message for e in planned.errors],
            },
            key="roster_errors",
        )
    _planned_lines(planned)
    return None if planned.errors else planned


def _planned_lines(planned: ImportPreview) -> None:
    show_table(
        {
            "Строка": [line.row for line in planned.lines],
            "Запись": [ENTITY_TITLES[line.entity] for line in planned.lines],
            "ФИО": [line.name for line in planned.lines],
            "Класс": [line.class_name for line in planned.lines],
            "Что будет": [CHANGE_TITLES[line.change] for line in planned.lines],
            "Подробности": [line.detail for line in planned.lines],
        },
        key="roster_preview",
    )


def import_roster(actor: Actor, file: RosterFile) -> None:
    """Write the file's rows (checked again in the transaction) and report the counts."""
    with reported_errors():
        with db(actor) as session:
            done = apply_import(session, actor, **file.arguments())
        st.session_state.pop(_PREVIEW, None)
        announce(
            f"Импорт выполнен: обучающихся добавлено {done.count(Entity.STUDENT, Change.CREATE)}, "
            f"представителей — {done.count(Entity.GUARDIAN, Change.CREATE)}. "
            "Теперь можно выдать реквизиты на странице «Реквизиты доступа»."
        )
