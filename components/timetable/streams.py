"""The teaching-load screen's streams tab: groups drawn from several classes, made and removed."""

from __future__ import annotations

import streamlit as st

from components.kit.feedback import act
from components.kit.pickers import multi_picker
from components.kit.runtime import db_read
from components.kit.tables import show_table
from components.timetable.teaching_load import HOURS, LoadView
from klassruk.services import groups


def streams_tab(view: LoadView) -> None:
    """Streams (groups across classes): the list, a form to create one, and deletion."""
    st.caption(
        "Поток — группа из обучающихся нескольких классов (например, профильная группа "
        "из 10А и 10Б). По предмету потока этих обучающихся учит учитель потока."
    )
    with db_read(view.actor) as session:
        streams = groups.list_streams(session, view.actor, on=view.on)
        candidates = groups.stream_candidates(session, view.actor, on=view.on)
    subject_by_id = {s.id: s.name for s in view.subjects}
    if streams:
        show_table(
            {
                "Поток": [g.name for g in streams],
                "Предмет": [subject_by_id.get(g.subject_id or 0, "") for g in streams],
                "Учитель": [g.teacher for g in streams],
                HOURS: [g.hours_per_week for g in streams],
                "Обучающихся": [len(g.student_ids) for g in streams],
            },
            numbers=[HOURS],
        )
    _stream_form(view, subject_by_id, {c.student_id: c.name for c in candidates})
    if streams:
        _stream_delete(view, {g.group_id: g.name for g in streams})


def _stream_form(view: LoadView, subject_by_id: dict[int, str], labels: dict[int, str]) -> None:
    with st.form("tl_stream"):
        stream_name = st.text_input("Название потока", placeholder="10АБ: Алгебра, профиль")
        left, middle, right = st.columns([2, 2, 1])
        subject_id: int = left.selectbox(
            "Предмет", list(subject_by_id), format_func=subject_by_id.__getitem__
        )
        staff_by_id = dict(view.staff)
        teacher_id: int = middle.selectbox(
            "Учитель", list(staff_by_id), format_func=staff_by_id.__getitem__
        )
        hours = right.number_input(HOURS, 0.5, 40.0, 2.0, 0.5)
        members = multi_picker(
            "Обучающиеся", list(labels), format_func=labels.__getitem__, key="tl_stream_members"
        )
        if st.form_submit_button("Создать поток"):
            act(
                view.actor,
                lambda s: groups.create_stream(
                    s,
                    view.actor,
                    name=stream_name,
                    subject_id=subject_id,
                    teacher_id=teacher_id,
                    hours_per_week=hours,
                    student_ids=members,
                    on=view.on,
                ),
                f"Поток «{stream_name.strip()}» создан.",
            )


def _stream_delete(view: LoadView, stream_names: dict[int, str]) -> None:
    with st.form("tl_stream_delete"):
        doomed: int = st.selectbox(
            "Удалить поток", list(stream_names), format_func=stream_names.__getitem__
        )
        if st.form_submit_button("Удалить"):
            act(
                view.actor,
                lambda s: groups.delete_stream(s, view.actor, group_id=doomed),
                f"Поток «{stream_names[doomed]}» удалён.",
            )
