"""The teaching load's classes tab: class teachers, and the classes taught without marks."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from components.kit.feedback import act
from components.timetable.teaching_load import LoadView
from klassruk.services.teaching_load.class_teachers import set_class_teacher, set_without_marks

WITHOUT_MARKS = "Без отметок"


def class_teachers_tab(view: LoadView) -> None:
    """Who is class teacher of which class and which classes learn without marks, in a table."""
    by_name = {n: i for i, n in view.staff}
    edited = st.data_editor(
        pd.DataFrame(
            {
                "Класс": [c.class_name for c in view.class_rows],
                "Классный руководитель": [
                    c.class_teacher if c.staff_id else None for c in view.class_rows
                ],
                WITHOUT_MARKS: [c.without_marks for c in view.class_rows],
            }
        ),
        hide_index=True,
        width="stretch",
        key="tl_class_teachers",
        disabled=["Класс"],
        column_config={
            "Классный руководитель": st.column_config.SelectboxColumn(options=view.staff_names),
            WITHOUT_MARKS: st.column_config.CheckboxColumn(
                help="Безотметочное обучение (как в 1 классе): журнал не примет отметок; "
                "поставленные раньше остаются."
            ),
        },
    )
    if st.button("Сохранить классы", key="tl_ct_save"):
        chosen = [
            by_name.get(new) if isinstance(new, str) else None
            for new in edited["Классный руководитель"].tolist()
        ]
        unmarked = [bool(flag) for flag in edited[WITHOUT_MARKS].tolist()]

        def save(session: Session) -> int:
            # Only the rows the user changed, compared with the table as it was read.
            rows = zip(view.class_rows, chosen, unmarked, strict=True)
            changed = [(r, s, f) for r, s, f in rows if (s, f) != (r.staff_id, r.without_marks)]
            for row, staff_id, flag in changed:
                set_class_teacher(session, view.actor, class_id=row.class_id, staff_id=staff_id)
                set_without_marks(session, view.actor, class_id=row.class_id, without_marks=flag)
            return len(changed)

        act(view.actor, save, lambda changed: f"Изменено классов: {changed}.")
