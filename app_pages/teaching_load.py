"""Deputy head / admin: subjects, the teaching load, class teachers, imports, streams."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db
from components.school import today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.permissions import Action
from klassruk.services import groups, teaching_load

FLASH = "tl_flash"

actor = guard(Action.MANAGE_TEACHING_LOAD)
st.title("Учебная нагрузка")
on = today()
if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _saved(result: teaching_load.SaveResult) -> str:
    text = (
        f"Сохранено: добавлено строк — {result.created}, изменено — {result.updated}, "
        f"удалено — {result.deleted}."
    )
    if result.new_subjects:
        text += " Новые предметы: " + ", ".join(f"«{s}»" for s in result.new_subjects) + "."
    return " ".join((text, *result.notes))


try:
    with db(actor) as session:
        load = teaching_load.teaching_load(session, actor)
        targets = teaching_load.load_targets(session, actor)
        subjects = teaching_load.list_subjects(session, actor)
        staff = teaching_load.staff_choices(session, actor)
        class_rows = teaching_load.class_teachers(session, actor)
except DomainError as error:
    st.error(escape(str(error)))
    st.stop()
staff_names = [name for _, name in staff]

names = ["Нагрузка", "Импорт из файла", "Предметы", "Классные руководители"]
if actor.can(Action.MANAGE_STREAMS):
    names.append("Потоки")
tabs = st.tabs(names)

with tabs[0]:
    st.caption(
        "Одна строка — учитель ведёт предмет в классе (весь класс) или в группе. "
        "Если предмет в классе разделён на группы, укажите группы, а не класс."
    )
    frame = pd.DataFrame(
        {
            "Класс или группа": [r.target for r in load],
            "Предмет": [r.subject for r in load],
            "Учитель": [r.teacher for r in load],
            "Часов в неделю": [r.hours_per_week for r in load],
        }
    )
    edited = st.data_editor(
        frame,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key="tl_editor",
        column_config={
            "Класс или группа": st.column_config.SelectboxColumn(options=targets, required=True),
            "Предмет": st.column_config.SelectboxColumn(
                options=[s.name for s in subjects], required=True
            ),
            "Учитель": st.column_config.SelectboxColumn(options=staff_names, required=True),
            "Часов в неделю": st.column_config.NumberColumn(
                min_value=0.5, max_value=40, step=0.5, required=True
            ),
        },
    )
    if st.button("Сохранить нагрузку", type="primary", key="tl_save"):
        rows = [
            teaching_load.LoadInput(
                row=number,
                target=str(row["Класс или группа"] or ""),
                subject=str(row["Предмет"] or ""),
                teacher=str(row["Учитель"] or ""),
                hours="" if pd.isna(row["Часов в неделю"]) else row["Часов в неделю"],
            )
            for number, row in enumerate(edited.fillna("").to_dict("records"), start=1)
        ]
        try:
            with db(actor) as session:
                result = teaching_load.save_teaching_load(session, actor, rows=rows, replace=True)
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            _done(_saved(result))

with tabs[1]:
    st.write(
        "Файл XLSX или CSV (UTF-8 с запятыми или Windows-1251 с точкой с запятой, как сохраняет "
        "Excel) со столбцами «Класс или группа», «Предмет», «Учитель», «Часов в неделю». "
        "Строки добавляются или обновляют имеющиеся; ничего не удаляется. При любой ошибке "
        "не сохраняется ничего, а в сообщении указаны номера строк."
    )
    st.download_button(
        "Скачать образец (CSV)",
        teaching_load.template_csv(),
        file_name="nagruzka_obrazec.csv",
        mime="text/csv",
    )
    upload = st.file_uploader("Файл нагрузки", type=["xlsx", "csv"], key="tl_upload")
    create_subjects = st.checkbox(
        "Добавить в список предметов те, которых в нём нет", value=True, key="tl_new_subjects"
    )
    if st.button("Загрузить", key="tl_import", disabled=upload is None) and upload is not None:
        try:
            with db(actor) as session:
                result = teaching_load.import_teaching_load(
                    session,
                    actor,
                    data=upload.getvalue(),
                    filename=upload.name,
                    create_subjects=create_subjects,
                )
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            _done(_saved(result))

with tabs[2]:
    st.dataframe(
        pd.DataFrame(
            {"Предмет": [s.name for s in subjects], "Кратко": [s.short_name for s in subjects]}
        ),
        hide_index=True,
        width="stretch",
    )
    with st.form("tl_subject", clear_on_submit=True):
        left, right = st.columns([3, 1])
        name = left.text_input("Новый предмет")
        short = right.text_input("Кратко")
        if st.form_submit_button("Добавить предмет"):
            try:
                with db(actor) as session:
                    teaching_load.add_subject(session, actor, name=name, short_name=short)
            except DomainError as error:
                st.error(escape(str(error)))
            else:
                _done(f"Предмет «{name.strip()}» добавлен.")

with tabs[3]:
    by_name = {n: i for i, n in staff}
    teachers_frame = pd.DataFrame(
        {
            "Класс": [c.class_name for c in class_rows],
            "Классный руководитель": [c.class_teacher if c.staff_id else None for c in class_rows],
        }
    )
    edited_teachers = st.data_editor(
        teachers_frame,
        hide_index=True,
        width="stretch",
        key="tl_class_teachers",
        disabled=["Класс"],
        column_config={
            "Классный руководитель": st.column_config.SelectboxColumn(options=staff_names)
        },
    )
    if st.button("Сохранить классных руководителей", key="tl_ct_save"):
        changed = 0
        with db(actor) as session:
            for row, new in zip(
                class_rows, edited_teachers["Классный руководитель"].tolist(), strict=True
            ):
                staff_id = by_name.get(new) if isinstance(new, str) else None
                if staff_id != row.staff_id:
                    teaching_load.set_class_teacher(
                        session, actor, class_id=row.class_id, staff_id=staff_id
                    )
                    changed += 1
        _done(f"Изменено классных руководителей: {changed}.")

if actor.can(Action.MANAGE_STREAMS):
    with tabs[4]:
        st.caption(
            "Поток — группа из обучающихся нескольких классов (например, профильная группа "
            "из 10А и 10Б). По предмету потока этих обучающихся учит учитель потока."
        )
        with db(actor) as session:
            streams = groups.list_streams(session, actor, on=on)
            candidates = groups.stream_candidates(session, actor, on=on)
        labels = {c.student_id: c.name for c in candidates}
        subject_by_id = {s.id: s.name for s in subjects}
        if streams:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Поток": [g.name for g in streams],
                        "Предмет": [subject_by_id.get(g.subject_id or 0, "") for g in streams],
                        "Учитель": [g.teacher for g in streams],
                        "Часов в неделю": [g.hours_per_week for g in streams],
                        "Обучающихся": [len(g.student_ids) for g in streams],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        with st.form("tl_stream"):
            stream_name = st.text_input("Название потока", placeholder="10АБ: Алгебра, профиль")
            left, middle, right = st.columns([2, 2, 1])
            subject_id = left.selectbox(
                "Предмет", list(subject_by_id), format_func=subject_by_id.__getitem__
            )
            staff_by_id = dict(staff)
            teacher_id = middle.selectbox(
                "Учитель", list(staff_by_id), format_func=staff_by_id.__getitem__
            )
            hours = right.number_input("Часов в неделю", 0.5, 40.0, 2.0, 0.5)
            members = st.multiselect("Обучающиеся", list(labels), format_func=labels.__getitem__)
            if st.form_submit_button("Создать поток"):
                try:
                    with db(actor) as session:
                        groups.create_stream(
                            session,
                            actor,
                            name=stream_name,
                            subject_id=subject_id,
                            teacher_id=teacher_id,
                            hours_per_week=hours,
                            student_ids=members,
                            on=on,
                        )
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    _done(f"Поток «{stream_name.strip()}» создан.")
        if streams:
            stream_names = {g.group_id: g.name for g in streams}
            with st.form("tl_stream_delete"):
                doomed = st.selectbox(
                    "Удалить поток", list(stream_names), format_func=stream_names.__getitem__
                )
                if st.form_submit_button("Удалить"):
                    with db(actor) as session:
                        groups.delete_stream(session, actor, group_id=doomed)
                    _done(f"Поток «{stream_names[doomed]}» удалён.")
