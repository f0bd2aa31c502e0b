"""The teaching-load screen (deputy head, admin), one function a tab over one `LoadView`."""

# Hours are edited in a localized number column (a Russian browser shows «1,5») and shown
# as numbers with the decimal comma in read-only tables (`show_table`); saves go through `act`.

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.kit.feedback import act
from components.kit.runtime import db_read
from components.kit.tables import show_table
from components.kit.uploads import file_picker
from klassruk.access.permissions import Actor
from klassruk.models.school import Subject
from klassruk.services.spreadsheets import MAX_FILE_BYTES
from klassruk.services.teaching_load import table as load_table
from klassruk.services.teaching_load.class_teachers import ClassTeacherRow, class_teachers
from klassruk.services.teaching_load.files import import_teaching_load, template_csv
from klassruk.services.teaching_load.saving import LoadInput, SaveResult, save_teaching_load
from klassruk.services.teaching_load.subjects import add_subject, list_subjects, staff_choices
from klassruk.services.teaching_load.table import (
    LoadEntry,
    TeacherTotal,
    load_targets,
    teaching_load,
)
from klassruk.text.formatting import format_number

HOURS = "Часов в неделю"


@dataclass(frozen=True)
class LoadView:
    """What the tabs show: the load, its choices, the subjects, staff and class teachers."""

    actor: Actor
    on: date
    load: list[LoadEntry]
    targets: list[str]
    subjects: list[Subject]
    staff: list[tuple[int, str]]
    class_rows: list[ClassTeacherRow]
    totals: list[TeacherTotal]

    @property
    def staff_names(self) -> list[str]:
        """Staff names in the order of the choices."""
        return [name for _, name in self.staff]


def load_view(actor: Actor, on: date) -> LoadView:
    """Everything the screen's tabs read, in one read-only transaction."""
    with db_read(actor) as session:
        return LoadView(
            actor,
            on,
            teaching_load(session, actor),
            load_targets(session, actor),
            list_subjects(session, actor),
            staff_choices(session, actor),
            class_teachers(session, actor),
            load_table.teacher_totals(session, actor),
        )


def saved_message(result: SaveResult) -> str:
    """What a save or an import of the load did, in one message."""
    text = (
        f"Сохранено: добавлено строк — {result.created}, изменено — {result.updated}, "
        f"удалено — {result.deleted}."
    )
    if result.new_subjects:
        text += " Новые предметы: " + ", ".join(f"«{s}»" for s in result.new_subjects) + "."
    return " ".join((text, *result.notes))


def load_tab(view: LoadView) -> None:
    """The whole load as an editable table, saved at once (rows removed are deleted)."""
    st.caption(
        "Одна строка — учитель ведёт предмет в классе (весь класс) или в группе. "
        "Если предмет в классе разделён на группы, укажите группы, а не класс."
    )
    frame = pd.DataFrame(
        {
            "Класс или группа": [r.target for r in view.load],
            "Предмет": [r.subject for r in view.load],
            "Учитель": [r.teacher for r in view.load],
            HOURS: [r.hours_per_week for r in view.load],
        }
    )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="tl_editor",
        column_config={
            "Класс или группа": st.column_config.SelectboxColumn(
                options=view.targets, required=True
            ),
            "Предмет": st.column_config.SelectboxColumn(
                options=[s.name for s in view.subjects], required=True
            ),
            "Учитель": st.column_config.SelectboxColumn(options=view.staff_names, required=True),
            HOURS: st.column_config.NumberColumn(
                min_value=0.5, max_value=40, step=0.5, required=True, format="localized"
            ),
        },
    )
    save = st.button("Сохранить нагрузку", type="primary", key="tl_save")
    teacher_totals(view.totals)
    if save:
        rows = [
            LoadInput(
                row=number,
                target=str(row["Класс или группа"] or ""),
                subject=str(row["Предмет"] or ""),
                teacher=str(row["Учитель"] or ""),
                hours="" if pd.isna(row[HOURS]) else row[HOURS],
            )
            for number, row in enumerate(edited.fillna("").to_dict("records"), start=1)
        ]
        act(
            view.actor,
            lambda s: save_teaching_load(s, view.actor, rows=rows, replace=True),
            saved_message,
        )


def teacher_totals(totals: list[TeacherTotal]) -> None:
    """Each teacher's hours a week in all, as saved (numbers sort as numbers)."""
    st.subheader("Итого по учителям")
    st.caption(
        f"Всего часов в неделю: {format_number(sum(t.hours_per_week for t in totals))}; "
        "несохранённые изменения таблицы выше сюда ещё не вошли."
    )
    show_table(
        {
            "Учитель": [t.teacher for t in totals],
            HOURS: [t.hours_per_week for t in totals],
            "Строк нагрузки": [t.rows for t in totals],
        },
        key="tl_totals",
        numbers=[HOURS],
        empty="Нагрузка ещё не внесена.",
    )


def import_tab(view: LoadView) -> None:
    """Rows of a file added to the load or updating it; nothing deleted."""
    st.write(
        "Файл XLSX или CSV (UTF-8 с запятыми или Windows-1251 с точкой с запятой, как сохраняет "
        "Excel) со столбцами «Класс или группа», «Предмет», «Учитель», «Часов в неделю». "
        "Строки добавляются или обновляют имеющиеся; ничего не удаляется. При любой ошибке "
        "не сохраняется ничего, а в сообщении указаны номера строк."
    )
    st.download_button(
        "Скачать образец (CSV)",
        template_csv(),
        file_name="nagruzka_obrazec.csv",
        mime="text/csv",
    )
    upload = file_picker(
        "Файл нагрузки", kinds=["xlsx", "csv"], max_bytes=MAX_FILE_BYTES, key="tl_upload"
    )
    create_subjects = st.checkbox(
        "Добавить в список предметов те, которых в нём нет", value=True, key="tl_new_subjects"
    )
    if st.button("Загрузить", key="tl_import", disabled=upload is None) and upload is not None:
        data, filename = upload.getvalue(), upload.name
        act(
            view.actor,
            lambda s: import_teaching_load(
                s, view.actor, data=data, filename=filename, create_subjects=create_subjects
            ),
            saved_message,
        )


def subjects_tab(view: LoadView) -> None:
    """The school's subjects and a form to add one."""
    show_table(
        {
            "Предмет": [s.name for s in view.subjects],
            "Кратко": [s.short_name for s in view.subjects],
        }
    )
    with st.form("tl_subject", clear_on_submit=True):
        left, right = st.columns([3, 1])
        name = left.text_input("Новый предмет")
        short = right.text_input("Кратко")
        if st.form_submit_button("Добавить предмет"):
            act(
                view.actor,
                lambda s: add_subject(s, view.actor, name=name, short_name=short),
                f"Предмет «{name.strip()}» добавлен.",
            )
