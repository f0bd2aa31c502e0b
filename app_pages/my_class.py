"""The class teacher's class list with guardians and account states."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.data_access import log_access
from components.kit.nav import page_title, spec_of
from components.kit.pickers import class_picker
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Action
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES
from klassruk.models.incidents import DataAccess
from klassruk.services import overview
from klassruk.text.formatting import format_date

actor = guard_page(__file__)
st.title(page_title(spec_of(__file__), actor))
on = today()
# One class is named, not offered in a drop-down of one line (the kit's picker, as elsewhere).
chosen = class_picker(actor, Action.VIEW_CLASS, key="my_class")
if chosen is None:
    st.stop()
with db_read(actor) as session:
    [summary] = overview.class_summaries(session, actor, on=on, class_id=chosen.class_id)
    roster = overview.class_roster(session, actor, class_id=chosen.class_id, on=on)
log_access(actor, DataAccess.CLASS_LIST, class_id=chosen.class_id)
st.caption(f"Классный руководитель: {escape(summary.class_teacher)}. Обучающихся: {len(roster)}.")
show_table(
    {
        "№": range(1, len(roster) + 1),
        "Обучающийся": [row.student for row in roster],
        "Дата рождения": [format_date(row.birth_date) for row in roster],
        "Учётная запись": [
            ACCOUNT_STATUS_TITLES[row.student_account] if row.student_account else "нет"
            for row in roster
        ],
        "Родители (законные представители)": [row.guardians for row in roster],
    },
    empty="В классе нет обучающихся.",
)
