"""The study-groups screen of a class: its groups, moves, renames, merges; one `ClassView`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act
from components.kit.runtime import db_read
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.services import groups
from klassruk.services.groups.schedule import groups_without_lessons
from klassruk.text.formatting import format_date
from klassruk.text.russian import agree_with

MERGE_CONFIRM = "sg_merge"


@dataclass(frozen=True)
class ClassView:
    """What every section of the screen needs: who acts, on which day, in which class."""

    actor: Actor
    on: date
    class_id: int
    info: groups.ClassGroups
    subject_names: dict[int, str]
    without_lessons: tuple[str, ...] = ()

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
        unscheduled = groups_without_lessons(session, actor, class_id=class_id)
    return ClassView(actor, on, class_id, info, subjects, tuple(unscheduled))


def show_groups(view: ClassView) -> None:
    """The class's groups: who is in which, the teachers and hours; the unplaced to place."""
    info = view.info
    st.subheader(f"Группы {escape(info.class_name)} класса")
    if not info.splits:
        st.info("Класс ещё не разделён на группы. Разделите его ниже.")
    else:
        all_groups = [g for s in info.splits for g in s.groups]
        show_table(pd.DataFrame(info.table()), empty="В классе нет обучающихся.")
        show_table(
            {
                "Группа": [g.name for g in all_groups],
                "Учитель": [g.teacher for g in all_groups],
                "Часов в неделю": [g.hours_per_week for g in all_groups],
                "Обучающихся": [len(g.student_ids) for g in all_groups],
            },
            numbers=["Часов в неделю"],
        )
    if view.without_lessons:
        st.warning(
            "Нет уроков в расписании: " + ", ".join(f"«{escape(n)}»" for n in view.without_lessons)
            + ". Учитель группы в это время ведёт другую группу или урок: время назначит завуч."
        )
    for split in info.splits:
        if split.unplaced:
            _place_unplaced(view, split)
    names = view.student_names
    for group in info.individual:
        # The group's own name starts with «ИУП:», which the caption would say twice.
        pupils = ", ".join(names[i] for i in group.student_ids if i in names) or group.name
        st.caption(f"Индивидуальный учебный план: {escape(pupils)}")


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
