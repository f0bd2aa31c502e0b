"""Admin: every account with its roles and state."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db_read
from components.school import school_timezone
from klassruk.formatting import format_timestamp
from klassruk.models import ACCOUNT_STATUS_TITLES, AccountStatus
from klassruk.permissions import ROLE_TITLES, Action, Role
from klassruk.services.accounts import list_users

actor = guard(Action.VIEW_USERS)
st.title("Пользователи")
left, middle, right = st.columns(3)
search = left.text_input("Поиск по ФИО или логину")
role = middle.selectbox(
    "Роль", [None, *Role], format_func=lambda r: "все роли" if r is None else ROLE_TITLES[r]
)
status = right.selectbox(
    "Состояние",
    [None, *AccountStatus],
    format_func=lambda s: "любое" if s is None else ACCOUNT_STATUS_TITLES[s],
)
with db_read(actor) as session:
    users = list_users(session, actor, role=role, status=status, search=search)
timezone = school_timezone()
st.caption(f"Показано: {len(users)} (не больше 500; уточните поиск, чтобы найти остальных).")
st.dataframe(
    pd.DataFrame(
        {
            "ФИО": [u.display_name for u in users],
            "Логин": [u.login for u in users],
            "Роли": [", ".join(ROLE_TITLES[r] for r in u.roles) for u in users],
            "Состояние": [ACCOUNT_STATUS_TITLES[u.status] for u in users],
            "Вход заблокирован": ["да" if u.locked else "" for u in users],
            "Нужно сменить пароль": ["да" if u.must_change_password else "" for u in users],
            "Последний вход": [format_timestamp(u.last_login_at, timezone) for u in users],
        }
    ),
    hide_index=True,
    width="stretch",
)
