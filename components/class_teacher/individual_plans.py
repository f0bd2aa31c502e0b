"""The individual plan (ИУП) section of the study-groups screen: one-student groups per subject."""

from __future__ import annotations

import streamlit as st

from components.class_teacher.study_groups import ClassView
from components.kit.feedback import act
from components.kit.pickers import multi_picker
from klassruk.services import groups
from klassruk.text.russian import Case, decline_name


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
