"""Admin: every account with its roles and state; access, roles and second factor actions."""

import streamlit as st

from components.administration.users import (
    access_form,
    new_code_notice,
    roles_form,
    second_factor_policy_form,
    second_factor_reset_form,
    users_table,
)
from components.kit.auth import guard_page
from components.kit.feedback import show_outcome
from components.kit.runtime import db_read
from components.kit.school import school_timezone
from klassruk.access.permissions import ROLE_TITLES, Action, Role
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES, AccountStatus
from klassruk.services.accounts.users import count_matching_users, list_users

PAGE_SIZE = 50

actor = guard_page(__file__)
st.title("Пользователи")
show_outcome()
left, middle, right = st.columns(3)
search = left.text_input("Поиск по ФИО или логину", key="users_search")
role = middle.selectbox(
    "Роль", [None, *Role], format_func=lambda r: "все роли" if r is None else ROLE_TITLES[r]
)
status = right.selectbox(
    "Состояние",
    [None, *AccountStatus],
    format_func=lambda s: "любое" if s is None else ACCOUNT_STATUS_TITLES[s],
)
with db_read(actor) as session:
    total = count_matching_users(session, actor, role=role, status=status, search=search)
pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input(
    f"Страница (из {pages})", min_value=1, max_value=pages, value=1, key="users_page"
)
with db_read(actor) as session:
    users = list_users(
        session, actor, role=role, status=status, search=search, limit=PAGE_SIZE,
        offset=(int(page) - 1) * PAGE_SIZE,
    )
timezone = school_timezone()
st.caption(f"Найдено: {total}; на странице: {len(users)}.")
users_table(users, timezone)
new_code_notice(actor, timezone)
if not actor.can(Action.MANAGE_USERS):
    st.stop()

with st.expander("Второй фактор: для каких ролей обязателен"):
    second_factor_policy_form(actor)
if not users:
    st.stop()
st.subheader("Действия с учётной записью")
by_label = {f"{u.display_name} ({u.login})": u for u in users}
chosen = by_label[st.selectbox("Учётная запись", list(by_label), key="users_chosen")]
access_form(actor, chosen)
st.subheader("Роли")
roles_form(actor, chosen)
st.subheader("Второй фактор")
second_factor_reset_form(actor, chosen)
