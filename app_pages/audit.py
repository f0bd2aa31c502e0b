"""Admin: the audit trail of every change, newest first."""

import json

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db_read
from components.school import school_timezone
from klassruk.formatting import format_timestamp
from klassruk.permissions import Action
from klassruk.services.audit_trail import recent_changes

OPERATIONS = {"insert": "создание", "update": "изменение", "delete": "удаление"}

actor = guard(Action.VIEW_AUDIT_LOG)
st.title("Журнал изменений")
left, right = st.columns(2)
entity = left.text_input("Таблица (например, user_account)")
login = right.text_input("Логин того, кто вносил изменения")
with db_read(actor) as session:
    rows = recent_changes(session, actor, entity=entity.strip(), actor_login=login)
timezone = school_timezone()
st.caption(f"Последние {len(rows)} изменений.")
st.dataframe(
    pd.DataFrame(
        {
            "Когда": [format_timestamp(r.at, timezone) for r in rows],
            "Кто": [r.actor_login for r in rows],
            "Действие": [OPERATIONS.get(r.operation, r.operation) for r in rows],
            "Таблица": [r.entity for r in rows],
            "Запись": [r.entity_id for r in rows],
            "Изменения": [json.dumps(r.changes, ensure_ascii=False) for r in rows],
        }
    ),
    hide_index=True,
    width="stretch",
)
