"""The study-groups screen of a class: its groups, the split wizard, moves, renames, IUP.

Each section is a function of one `ClassView`; the wizard's draft lives under one session key
and its widgets' keys come from `_field`, so the branch that fills them and the branch that
reads them name them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import pandas as pd
import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, announce, reported_errors
from components.kit.pickers import multi_picker
from components.kit.runtime import db, db_read
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.formatting import format_date, format_number
from klassruk.permissions import Actor
from klassruk.russian import Case, agree_with, decline_name
from klassruk.services import groups

_DRAFT = "sg_plan"
MERGE_CONFIRM = "sg_merge"


@dataclass(frozen=True)
class ClassView:
    """What every section of the screen needs: who acts, on which day, in which class."""

    actor: Actor
    on: date
    class_id: int
    info: groups.ClassGroups
    subject_names: dict[int, str]

    @property
    def student_names(self) -> dict[int, str]:
        """Names of the class's students by id."""
        return {s.student_id: s.name for s in self.info.students}

    def teachers_of(self, subject_id: int) -> dict[int, str]:
        """Teachers who may teach the subject, by staff id."""
        with db_read(self.actor) as session:
            return dict(groups.subject_teachers(session, self.actor, subject_id=subject_id))


def load_view(actor: Actor, on: date, class_id: int) -> ClassView:
    """The class's groups and the subjects it may be split by."""
    with db_read(actor) as session:
        info = groups.class_groups(session, actor, class_id=class_id, on=on)
        subjects = {
            s.id: s.name for s in groups.subjects_for_split(session, actor, class_id=class_id)
        }
    return ClassView(actor, on, class_id, info, subjects)


def show_groups(view: ClassView) -> None:
    """The class's groups: who is in which, the teachers and hours; the unplaced to place."""
    info = view.info
    st.subheader(f"Группы {escape(info.class_name)} класса")
    if not info.splits:
        st.info("Класс ещё не разделён на группы. Разделите его ниже.")
    else:
        all_groups = [g for s in info.splits for g in s.groups]
        st.dataframe(pd.DataFrame(info.table()), hide_index=True, width="stretch")
        show_table(
            {
                "Группа": [g.name for g in all_groups],
                "Учитель": [g.teacher for g in all_groups],
                "Часов в неделю": [format_number(g.hours_per_week) for g in all_groups],
                "Обучающихся": [len(g.student_ids) for g in all_groups],
            }
        )
    for split in info.splits:
        if split.unplaced:
            _place_unplaced(view, split)
    for group in info.individual:
        st.caption(f"Индивидуальный учебный план: {escape(group.name)}")


def _place_unplaced(view: ClassView, split: groups.SplitInfo) -> None:
    names = view.student_names
    st.warning(
        f"Не в группе по предмету «{escape(split.subject)}»: "
        + ", ".join(escape(s.name) for s in split.unplaced)
        + ". Распределите их, иначе их оценки некуда будет выставить."
    )
    with st.form(f"sg_place_{split.subject_id}"):
        left, right = st.columns(2)
        student_id: int = left.selectbox(
            "Обучающийся", [s.student_id for s in split.unplaced], format_func=names.__getitem__
        )
        group_names = {g.group_id: g.name for g in split.groups}
        group_id: int = right.selectbox(
            "Группа", list(group_names), format_func=group_names.__getitem__
        )
        if st.form_submit_button("Распределить"):
            act(
                view.actor,
                lambda s: groups.place_student(
                    s, view.actor, student_id=student_id, group_id=group_id, on=view.on
                ),
                f"{names[student_id]} — в группе «{group_names[group_id]}».",
            )


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
        for subject_id, proposal in proposals.items():
            for i, members in enumerate(proposal.groups):
                # Each group starts with the class's teacher of the subject, never a guess.
                st.session_state[_field("teacher", subject_id, i)] = teachers[subject_id]
                st.session_state[_field("members", subject_id, i)] = members
                st.session_state[_field("name", subject_id, i)] = groups.default_group_name(
                    view.info.class_name, view.subject_names[subject_id], i + 1
                )
        st.session_state[_DRAFT] = {
            "class_id": view.class_id,
            "count": count,
            "subjects": list(proposals),
            "students": {sid: p.students for sid, p in proposals.items()},
        }


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
            column.text_input("Название группы", key=_field("name", subject_id, i))
            if st.session_state.get(_field("teacher", subject_id, i)) not in teachers:
                st.session_state[_field("teacher", subject_id, i)] = None
            column.selectbox(
                "Учитель",
                list(teachers),
                format_func=teachers.__getitem__,
                key=_field("teacher", subject_id, i),
                index=None,
                placeholder="выберите учителя",
            )
            with column:
                multi_picker(
                    "Обучающиеся",
                    candidates,
                    format_func=lambda sid: names.get(sid, "—"),
                    key=_field("members", subject_id, i),
                )
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
            "выберите другого учителя или попросите завуча развести расписание групп."
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


def move_student(view: ClassView) -> None:
    """Move a student to another group of the same subject from a given day."""
    st.caption(
        "Прежняя группа остаётся в истории до дня перед переводом: оценки, выставленные "
        "раньше, остаются в журнале прежней группы."
    )
    names = view.student_names
    split_names = {s.subject_id: s.subject for s in view.info.splits}
    subject_id = st.selectbox(
        "Предмет", list(split_names), format_func=split_names.__getitem__, key="sg_mv_subj"
    )
    split = next(s for s in view.info.splits if s.subject_id == subject_id)
    placed = [sid for g in split.groups for sid in g.student_ids]
    with st.form("sg_move"):
        student_id = st.selectbox("Обучающийся", placed, format_func=names.__getitem__)
        target_names = {g.group_id: g.name for g in split.groups}
        target = st.selectbox(
            "Новая группа", list(target_names), format_func=target_names.__getitem__
        )
        moved_on = st.date_input("С какого дня", value=view.on, format="DD.MM.YYYY")
        if st.form_submit_button("Перевести"):
            act(
                view.actor,
                lambda s: groups.move_student(
                    s, view.actor, student_id=student_id, to_group_id=target, on=moved_on
                ),
                f"{names[student_id]} {agree_with(names[student_id], 'переведён', 'переведена')} "
                f"в «{target_names[target]}» "
                f"с {format_date(moved_on)}.",
            )


def edit_group(view: ClassView) -> None:
    """Rename a group or give it another teacher."""
    all_groups = {g.group_id: g for s in view.info.splits for g in s.groups}
    subject_of = {g.group_id: s.subject_id for s in view.info.splits for g in s.groups}
    group_id = st.selectbox(
        "Группа",
        list(all_groups),
        format_func=lambda gid: all_groups[gid].name,
        key="sg_edit_group",
    )
    group = all_groups[group_id]
    options = view.teachers_of(subject_of[group_id])
    with st.form("sg_edit"):
        new_name = st.text_input("Название", value=group.name)
        teacher_ids = list(options)
        teacher_id = st.selectbox(
            "Учитель",
            teacher_ids,
            format_func=options.__getitem__,
            index=teacher_ids.index(group.teacher_id) if group.teacher_id in options else None,
        )
        if st.form_submit_button("Сохранить"):
            act(
                view.actor,
                lambda s: groups.update_group(
                    # No teacher chosen: the service refuses it with its own message.
                    s,
                    view.actor,
                    group_id=group_id,
                    name=new_name,
                    teacher_id=teacher_id,  # type: ignore[arg-type]
                ),
                "Группа изменена.",
            )


def merge_groups(view: ClassView) -> None:
    """Teach a split subject to the whole class again; the groups' lessons return to the class."""
    st.caption(
        "Для деления, сделанного по ошибке: уроки групп снова становятся уроками класса. "
        "Группы, в журнале которых уже есть оценки или пропуски, не объединяются."
    )
    split_names = {s.subject_id: s.subject for s in view.info.splits}
    subject_id = st.selectbox(
        "Предмет", list(split_names), format_func=split_names.__getitem__, key="sg_merge_subj"
    )
    split = next(s for s in view.info.splits if s.subject_id == subject_id)
    teachers = view.teachers_of(subject_id)
    teacher_id = st.selectbox(
        "Учитель класса", list(teachers), format_func=teachers.__getitem__,
        index=next((i for i, t in enumerate(teachers) if t == split.groups[0].teacher_id), None),
        key="sg_merge_teacher", placeholder="выберите учителя",
    )
    if st.button("Объединить группы", key="sg_merge_ask"):
        if teacher_id is None:
            st.error("Выберите учителя, который будет вести предмет у всего класса.")
        else:
            names = ", ".join(f"«{g.name}»" for g in split.groups)
            ask(MERGE_CONFIRM, Risky(
                f"Объединить группы {names} с {format_date(view.on)}? Предмет "
                f"«{split.subject}» у всего класса {view.info.class_name} снова ведёт учитель: "
                f"{teachers[teacher_id]}. Уроки групп станут уроками класса, группы удалятся.",
                "Объединить", payload=(subject_id, teacher_id),
            ))
    answer = confirmed(MERGE_CONFIRM)
    if answer is not None:
        merged_subject, merged_teacher = answer.payload
        act(
            view.actor,
            lambda s: groups.merge_split(
                s, view.actor, class_id=view.class_id, subject_id=merged_subject,
                teacher_id=merged_teacher, on=view.on,
            ),
            f"Предмет «{split_names[merged_subject]}» снова ведётся у всего класса.",
        )


def individual_plan(view: ClassView) -> None:
    """Create an individual plan (ИУП): a one-student group per subject with its teacher."""
    st.caption(
        "Обучающийся по ИУП — это отдельная группа из одного человека: по перечисленным "
        "предметам его учит назначенный учитель, а в подгруппах класса по ним он не числится."
    )
    names = view.student_names
    student_id = st.selectbox(
        "Обучающийся",
        list(names),
        format_func=names.__getitem__,
        key="sg_iup_student",
        index=None,
        placeholder="выберите обучающегося",
    )
    chosen = multi_picker(
        "Предметы плана",
        list(view.subject_names),
        format_func=view.subject_names.__getitem__,
        key="sg_iup_subjects",
    )
    items = [_iup_subject(view, subject_id) for subject_id in chosen]
    if not st.button("Создать ИУП", key="sg_iup_create"):
        return
    missing = [view.subject_names[sid] for sid, teacher_id, _ in items if teacher_id is None]
    if student_id is None:
        st.error("Выберите обучающегося.")
    elif missing:
        st.error("Выберите учителя по предметам: " + ", ".join(missing) + ".")
    else:
        act(
            view.actor,
            lambda s: groups.create_individual_plan(
                s,
                view.actor,
                student_id=student_id,
                class_id=view.class_id,
                subjects=[
                    groups.IndividualSubject(sid, teacher_id, hours)
                    for sid, teacher_id, hours in items
                    if teacher_id is not None
                ],
                on=view.on,
            ),
            f"Индивидуальный учебный план для {decline_name(names[student_id], Case.GENITIVE)} "
            "создан.",
        )


def _iup_subject(view: ClassView, subject_id: int) -> tuple[int, int | None, float]:
    """A teacher and weekly hours chosen for one subject of the plan."""
    teachers = view.teachers_of(subject_id)
    left, right = st.columns([3, 1])
    teacher_id = left.selectbox(
        f"Учитель: {view.subject_names[subject_id]}",
        list(teachers),
        format_func=teachers.__getitem__,
        key=f"sg_iup_teacher_{subject_id}",
        index=None,
        placeholder="выберите учителя",
    )
    hours = right.number_input(
        "Часов в неделю",
        min_value=0.5,
        max_value=10.0,
        value=1.0,
        step=0.5,
        key=f"sg_iup_hours_{subject_id}",
    )
    return subject_id, teacher_id, float(hours)
