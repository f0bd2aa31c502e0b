"""The split wizard of the study-groups screen: subjects, a proposed split, corrections, saving."""

from __future__ import annotations

from typing import Any, cast

import streamlit as st

from components.class_teacher.study_groups import ClassView
from components.kit.feedback import announce, reported_errors
from components.kit.pickers import multi_picker
from components.kit.runtime import db
from components.kit.text import escape
from klassruk.services import groups
from klassruk.text.formatting import format_date

# The draft lives under one session key and its widgets' keys come from `_field`, so the
# branch that fills them and the branch that reads them name them the same way. The draft keeps
# each field's value too: Streamlit drops a widget's state on a run of another page, and a user
# coming back must find the proposal (each group's teacher: the subject's current one) as left.
_DRAFT = "sg_plan"


def _field(part: str, subject_id: int, number: int) -> str:
    """The widget key of one field of the wizard's draft: a group's name, teacher or members."""
    return f"sg_{part}_{subject_id}_{number}"


def split_wizard(view: ClassView) -> None:
    """Choose subjects and a method, get a proposed split, correct it and save it."""
    st.subheader("Деление на группы")
    split_ids = {s.subject_id for s in view.info.splits}
    chosen = multi_picker(
        "Предметы, по которым класс делится на группы",
        [s for s in view.subject_names if s not in split_ids],
        format_func=view.subject_names.__getitem__,
        key="sg_subjects",
        help="Обычно иностранный язык, информатика, труд (технология), физическая культура.",
    )
    left, right = st.columns([1, 3])
    count = int(left.number_input("Число групп", min_value=2, max_value=6, value=2, key="sg_count"))
    method = cast(
        groups.SplitMethod,
        right.radio(
            "Как распределить обучающихся",
            list(groups.SplitMethod),
            format_func=groups.SPLIT_METHOD_TITLES.__getitem__,
            key="sg_method",
            horizontal=True,
        ),
    )
    if st.button("Предложить деление", key="sg_propose", disabled=not chosen):
        _propose(view, chosen, count, method)
    draft = st.session_state.get(_DRAFT)
    if draft and draft["class_id"] == view.class_id:
        _edit_draft(view, draft)


def _propose(view: ClassView, chosen: list[int], count: int, method: groups.SplitMethod) -> None:
    with reported_errors():
        with db(view.actor) as session:
            proposals = {
                subject_id: groups.propose_split(
                    session,
                    view.actor,
                    class_id=view.class_id,
                    subject_id=subject_id,
                    groups_count=count,
                    method=method,
                    on=view.on,
                )
                for subject_id in chosen
            }
            teachers = {
                subject_id: groups.current_teacher(
                    session, view.actor, class_id=view.class_id, subject_id=subject_id
                )
                for subject_id in chosen
            }
        fields: dict[str, Any] = {}
        for subject_id, proposal in proposals.items():
            for i, members in enumerate(proposal.groups):
                # Each group starts with the class's teacher of the subject, never a guess.
                fields[_field("teacher", subject_id, i)] = teachers[subject_id]
                fields[_field("members", subject_id, i)] = members
                fields[_field("name", subject_id, i)] = groups.default_group_name(
                    view.info.class_name, view.subject_names[subject_id], i + 1
                )
        st.session_state.update(fields)
        st.session_state[_DRAFT] = {
            "class_id": view.class_id,
            "count": count,
            "subjects": list(proposals),
            "students": {sid: p.students for sid, p in proposals.items()},
            "fields": fields,
        }


def _restore(draft: dict[str, Any], keys: list[str]) -> None:
    """Give back the fields' state from the draft where Streamlit has dropped it."""
    for key in keys:
        if key not in st.session_state:
            st.session_state[key] = draft["fields"][key]


def _remember(draft: dict[str, Any], keys: list[str]) -> None:
    """Copy the fields' state into the draft, where it outlives a visit to another page."""
    draft["fields"].update({key: st.session_state[key] for key in keys})


def _teacher_picker(column: Any, teachers: dict[int, str], key: str) -> None:
    if st.session_state[key] not in teachers:
        st.session_state[key] = None
    column.selectbox(
        "Учитель",
        list(teachers),
        format_func=teachers.__getitem__,
        key=key,
        index=None,  # only when the class has no teacher of the subject to start from
        placeholder="выберите учителя",
    )


def _edit_draft(view: ClassView, draft: dict[str, Any]) -> None:
    names = view.student_names
    for subject_id in draft["subjects"]:
        teachers = view.teachers_of(subject_id)
        st.markdown(f"**{escape(view.subject_names[subject_id])}**")
        if not teachers:
            st.warning(
                "В учебной нагрузке нет учителей этого предмета: попросите завуча "
                "внести предмет в нагрузку."
            )
        candidates = [s.student_id for s in draft["students"][subject_id]]
        for i, column in enumerate(st.columns(draft["count"])):
            keys = [_field(part, subject_id, i) for part in ("name", "teacher", "members")]
            _restore(draft, keys)
            name_key, teacher_key, members_key = keys
            column.text_input("Название группы", key=name_key)
            _teacher_picker(column, teachers, teacher_key)
            with column:
                multi_picker(
                    "Обучающиеся",
                    candidates,
                    format_func=lambda sid: names.get(sid, "—"),
                    key=members_key,
                )
            _remember(draft, keys)
        _same_teacher_note(draft["count"], subject_id)
    st.caption(
        "Уроки групп встают в расписание на место уроков класса по этому предмету: "
        "у каждого обучающегося их столько же, сколько было. Развести группы по времени "
        "и кабинетам может завуч."
    )
    if st.button("Сохранить группы", type="primary", key="sg_save"):
        _save_draft(view, draft)


def _same_teacher_note(count: int, subject_id: int) -> None:
    chosen = [st.session_state.get(_field("teacher", subject_id, i)) for i in range(count)]
    if None not in chosen and len(set(chosen)) < count:
        st.warning(
            "У нескольких групп один учитель, а уроки у них в одно время (как у класса): "
            "в расписании их получит первая группа, время остальным назначит завуч."
        )


def _save_draft(view: ClassView, draft: dict[str, Any]) -> None:
    plans = [
        groups.SplitPlan(
            subject_id=subject_id,
            groups=[
                groups.GroupPlan(
                    name=st.session_state.get(_field("name", subject_id, i), ""),
                    teacher_id=st.session_state.get(_field("teacher", subject_id, i)),
                    student_ids=list(st.session_state.get(_field("members", subject_id, i), [])),
                )
                for i in range(draft["count"])
            ],
        )
        for subject_id in draft["subjects"]
    ]
    with reported_errors():
        with db(view.actor) as session:
            groups.create_splits(
                session, view.actor, class_id=view.class_id, plans=plans, on=view.on
            )
        del st.session_state[_DRAFT]
        st.session_state.pop("sg_subjects", None)
        announce(f"Группы сохранены с {format_date(view.on)}.")
