"""Class teacher: the study groups (подгруппы) of the own class — wizard, table, moves, IUP."""

import streamlit as st

from components.class_teacher.group_split import split_wizard
from components.class_teacher.individual_plans import individual_plan
from components.class_teacher.study_groups import (
    edit_group,
    load_view,
    merge_groups,
    move_student,
    show_groups,
)
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.pickers import class_picker
from components.kit.school import today
from klassruk.access.permissions import Action

actor = guard_page(__file__)
st.title("Учебные группы")
show_outcome()
picked = class_picker(actor, Action.MANAGE_STUDY_GROUPS, key="sg_class")
if picked is None:
    st.stop()
view = load_view(actor, today(), picked.class_id)

show_groups(view)
split_wizard(view)
if view.info.splits:
    with st.expander("Перевод обучающегося в другую группу"):
        move_student(view)
    with st.expander("Переименовать группу или сменить учителя"):
        edit_group(view)
    with st.expander("Объединить группы обратно в класс"):
        merge_groups(view)
with st.expander("Индивидуальный учебный план (ИУП)"):
    individual_plan(view)
