"""The class teacher's class list with guardians and account states."""

import streamlit as st

from components.kit.auth import guard_page
from components.kit.data_access import log_access
from components.kit.nav import page_title, spec_of
from components.kit.pickers import NO_CLASS
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES
from klassruk.models.incidents import DataAccess
from klassruk.services import overview
from klassruk.text.formatting import format_date

actor = guard_page(__file__)
st.title(page_title(spec_of(__file__), actor))
on = today()
with db_read(actor) as session:
    classes = overview.class_summaries(session, actor, on=on)
if not classes:
    st.info(NO_CLASS)
    st.stop()
# The summaries carry the class teacher's name, which the kit's class picker does not.
names = {summary.class_id: summary for summary in classes}
chosen = names[
    st.selectbox("Класс", list(names), format_func=lambda i: names[i].name, key="my_class")
]
with db_read(actor) as session:
    roster = overview.class_roster(session, actor, class_id=chosen.class_id, on=on)
log_access(actor, DataAccess.CLASS_LIST, class_id=chosen.class_id)
st.caption(
    f"Классный руководитель: {escape(chosen.class_teacher)}. Обучающихся: {len(roster)}."
)
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
