"""Class teacher: the study groups (подгруппы) of the own class — wizard, table, moves, IUP."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db
from components.school import today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_date
from klassruk.permissions import Action
from klassruk.services import groups

PLAN = "sg_plan"
FLASH = "sg_flash"

actor = guard(Action.MANAGE_STUDY_GROUPS)
st.title("Учебные группы")
on = today()
if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))

with db(actor) as session:
    classes = groups.classes_for_groups(session, actor)
if not classes:
    st.info("Классное руководство вам не назначено.")
    st.stop()
class_names = dict(classes)
class_id = st.selectbox(
    "Класс", list(class_names), format_func=class_names.__getitem__, key="sg_class"
)
with db(actor) as session:
    info = groups.class_groups(session, actor, class_id=class_id, on=on)
    subjects = groups.subjects_for_split(session, actor, class_id=class_id)
student_names = {s.student_id: s.name for s in info.students}
subject_names = {s.id: s.name for s in subjects}


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


# ------------------------------------------------------------------ the result
st.subheader(f"Группы {escape(info.class_name)} класса")
if info.splits:
    st.dataframe(pd.DataFrame(info.table()), hide_index=True, width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                "Группа": [g.name for s in info.splits for g in s.groups],
                "Учитель": [g.teacher for s in info.splits for g in s.groups],
                "Часов в неделю": [g.hours_per_week for s in info.splits for g in s.groups],
                "Обучающихся": [len(g.student_ids) for s in info.splits for g in s.groups],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("Класс ещё не разделён на группы. Разделите его ниже.")
for split in info.splits:
    if not split.unplaced:
        continue
    st.warning(
        f"Не в группе по предмету «{escape(split.subject)}»: "
        + ", ".join(escape(s.name) for s in split.unplaced)
        + ". Распределите их, иначе их оценки некуда будет выставить."
    )
    with st.form(f"sg_place_{split.subject_id}"):
        left, right = st.columns(2)
        student_id = left.selectbox(
            "Обучающийся",
            [s.student_id for s in split.unplaced],
            format_func=student_names.__getitem__,
        )
        group_names = {g.group_id: g.name for g in split.groups}
        group_id = right.selectbox("Группа", list(group_names), format_func=group_names.get)
        if st.form_submit_button("Распределить"):
            try:
                with db(actor) as session:
                    groups.place_student(
                        session, actor, student_id=student_id, group_id=group_id, on=on
                    )
            except DomainError as error:
                st.error(escape(str(error)))
            else:
                _done(f"{student_names[student_id]} — в группе «{group_names[group_id]}».")
for group in info.individual:
    st.caption(f"Индивидуальный учебный план: {escape(group.name)}")

# ------------------------------------------------------------------ the wizard
st.subheader("Деление на группы")
split_ids = {s.subject_id for s in info.splits}
free_subjects = [s for s in subject_names if s not in split_ids]
chosen = st.multiselect(
    "Предметы, по которым класс делится на группы",
    free_subjects,
    format_func=subject_names.__getitem__,
    key="sg_subjects",
    help="Обычно иностранный язык, информатика, труд (технология), физическая культура.",
)
left, right = st.columns([1, 3])
count = int(left.number_input("Число групп", min_value=2, max_value=6, value=2, key="sg_count"))
method = right.radio(
    "Как распределить обучающихся",
    list(groups.SplitMethod),
    format_func=groups.SPLIT_METHOD_TITLES.__getitem__,
    key="sg_method",
    horizontal=True,
)
if st.button("Предложить деление", key="sg_propose", disabled=not chosen):
    try:
        proposals = {}
        with db(actor) as session:
            for subject_id in chosen:
                proposals[subject_id] = groups.propose_split(
                    session,
                    actor,
                    class_id=class_id,
                    subject_id=subject_id,
                    groups_count=count,
                    method=method,
                    on=on,
                )
    except DomainError as error:
        st.error(escape(str(error)))
    else:
        for subject_id, proposal in proposals.items():
            for i, members in enumerate(proposal.groups):
                st.session_state[f"sg_members_{subject_id}_{i}"] = members
                st.session_state[f"sg_name_{subject_id}_{i}"] = groups.default_group_name(
                    info.class_name, subject_names[subject_id], i + 1
                )
        st.session_state[PLAN] = {
            "class_id": class_id,
            "count": count,
            "subjects": list(proposals),
            "students": {sid: p.students for sid, p in proposals.items()},
        }

plan = st.session_state.get(PLAN)
if plan and plan["class_id"] == class_id:
    with db(actor) as session:
        teachers = {
            sid: dict(groups.subject_teachers(session, actor, subject_id=sid))
            for sid in plan["subjects"]
        }
    for subject_id in plan["subjects"]:
        st.markdown(f"**{escape(subject_names[subject_id])}**")
        candidates = [s.student_id for s in plan["students"][subject_id]]
        if not teachers[subject_id]:
            st.warning(
                "В учебной нагрузке нет учителей этого предмета: попросите завуча "
                "внести предмет в нагрузку."
            )
        columns = st.columns(plan["count"])
        for i, column in enumerate(columns):
            column.text_input("Название группы", key=f"sg_name_{subject_id}_{i}")
            column.selectbox(
                "Учитель",
                list(teachers[subject_id]),
                format_func=teachers[subject_id].__getitem__,
                key=f"sg_teacher_{subject_id}_{i}",
                index=None if not teachers[subject_id] else 0,
                placeholder="выберите учителя",
            )
            column.multiselect(
                "Обучающиеся",
                candidates,
                format_func=lambda sid: student_names.get(sid, "—"),
                key=f"sg_members_{subject_id}_{i}",
            )
    if st.button("Сохранить группы", type="primary", key="sg_save"):
        plans = [
            groups.SplitPlan(
                subject_id=subject_id,
                groups=[
                    groups.GroupPlan(
                        name=st.session_state.get(f"sg_name_{subject_id}_{i}", ""),
                        teacher_id=st.session_state.get(f"sg_teacher_{subject_id}_{i}"),
                        student_ids=list(st.session_state.get(f"sg_members_{subject_id}_{i}", [])),
                    )
                    for i in range(plan["count"])
                ],
            )
            for subject_id in plan["subjects"]
        ]
        try:
            with db(actor) as session:
                groups.create_splits(session, actor, class_id=class_id, plans=plans, on=on)
        except DomainError as error:
            st.error(escape(str(error)))
        else:
            del st.session_state[PLAN]
            st.session_state.pop("sg_subjects", None)
            _done(f"Группы сохранены с {format_date(on)}.")

# ------------------------------------------------------------------ moves and renames
if info.splits:
    with st.expander("Перевод обучающегося в другую группу"):
        st.caption(
            "Прежняя группа остаётся в истории до дня перед переводом: оценки, выставленные "
            "раньше, остаются в журнале прежней группы."
        )
        split_names = {s.subject_id: s.subject for s in info.splits}
        subject_id = st.selectbox(
            "Предмет", list(split_names), format_func=split_names.__getitem__, key="sg_mv_subj"
        )
        split = next(s for s in info.splits if s.subject_id == subject_id)
        placed = [sid for g in split.groups for sid in g.student_ids]
        with st.form("sg_move"):
            student_id = st.selectbox("Обучающийся", placed, format_func=student_names.__getitem__)
            target_names = {g.group_id: g.name for g in split.groups}
            target = st.selectbox(
                "Новая группа", list(target_names), format_func=target_names.__getitem__
            )
            moved_on = st.date_input("С какого дня", value=on, format="DD.MM.YYYY")
            if st.form_submit_button("Перевести"):
                try:
                    with db(actor) as session:
                        groups.move_student(
                            session, actor, student_id=student_id, to_group_id=target, on=moved_on
                        )
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    _done(
                        f"{student_names[student_id]} переведён(а) в «{target_names[target]}» "
                        f"с {format_date(moved_on)}."
                    )
    with st.expander("Переименовать группу или сменить учителя"):
        all_groups = {g.group_id: g for s in info.splits for g in s.groups}
        group_id = st.selectbox(
            "Группа",
            list(all_groups),
            format_func=lambda gid: all_groups[gid].name,
            key="sg_edit_group",
        )
        group = all_groups[group_id]
        with db(actor) as session:
            options = dict(groups.subject_teachers(session, actor, subject_id=group.subject_id))
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
                try:
                    with db(actor) as session:
                        groups.update_group(
                            session, actor, group_id=group_id, name=new_name, teacher_id=teacher_id
                        )
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    _done("Группа изменена.")

# ------------------------------------------------------------------ individual plan
with st.expander("Индивидуальный учебный план (ИУП)"):
    st.caption(
        "Обучающийся по ИУП — это отдельная группа из одного человека: по перечисленным "
        "предметам его учит назначенный учитель, а в подгруппах класса по ним он не числится."
    )
    student_id = st.selectbox(
        "Обучающийся",
        list(student_names),
        format_func=student_names.__getitem__,
        key="sg_iup_student",
        index=None,
        placeholder="выберите обучающегося",
    )
    iup_subjects = st.multiselect(
        "Предметы плана",
        list(subject_names),
        format_func=subject_names.__getitem__,
        key="sg_iup_subjects",
    )
    items = []
    if iup_subjects:
        with db(actor) as session:
            iup_teachers = {
                sid: dict(groups.subject_teachers(session, actor, subject_id=sid))
                for sid in iup_subjects
            }
        for sid in iup_subjects:
            left, right = st.columns([3, 1])
            teacher_id = left.selectbox(
                f"Учитель: {subject_names[sid]}",
                list(iup_teachers[sid]),
                format_func=iup_teachers[sid].__getitem__,
                key=f"sg_iup_teacher_{sid}",
                index=None,
                placeholder="выберите учителя",
            )
            hours = right.number_input(
                "Часов в неделю",
                min_value=0.5,
                max_value=10.0,
                value=1.0,
                step=0.5,
                key=f"sg_iup_hours_{sid}",
            )
            items.append((sid, teacher_id, hours))
    if st.button("Создать ИУП", key="sg_iup_create"):
        missing = [subject_names[sid] for sid, teacher_id, _ in items if teacher_id is None]
        if student_id is None:
            st.error("Выберите обучающегося.")
        elif missing:
            st.error("Выберите учителя по предметам: " + ", ".join(missing) + ".")
        else:
            try:
                with db(actor) as session:
                    groups.create_individual_plan(
                        session,
                        actor,
                        student_id=student_id,
                        class_id=class_id,
                        subjects=[groups.IndividualSubject(s, t, h) for s, t, h in items],
                        on=on,
                    )
            except DomainError as error:
                st.error(escape(str(error)))
            else:
                _done(f"Индивидуальный учебный план для {student_names[student_id]} создан.")
