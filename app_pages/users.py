"""Admin: every account with its roles and state; lift a lockout, re-issue a code."""

import pandas as pd
import streamlit as st

from components.auth import guard
from components.runtime import db, db_read
from components.school import school_timezone
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_timestamp
from klassruk.models import ACCOUNT_STATUS_TITLES, AccountStatus
from klassruk.permissions import ROLE_TITLES, Action, Role
from klassruk.services.accounts import count_matching_users, list_users, set_account_blocked
from klassruk.services.user_admin import lift_lockout, reissue_code

PAGE_SIZE = 50
FLASH = "users_flash"
NEW_CODE = "users_new_code"

actor = guard(Action.VIEW_USERS)
st.title("Пользователи")
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

if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
new_code = st.session_state.get(NEW_CODE)
if new_code is not None:
    st.warning(
        f"Новый код активации для «{escape(new_code.login)}»: **{new_code.code}** (действует до "
        f"{format_timestamp(new_code.expires_at, timezone)}). Передайте его владельцу лично; "
        "в системе код не хранится."
    )
if not actor.can(Action.MANAGE_USERS) or not users:
    st.stop()

st.subheader("Действия с учётной записью")
by_label = {f"{u.display_name} ({u.login})": u for u in users}
chosen = by_label[st.selectbox("Учётная запись", list(by_label), key="users_chosen")]
with st.form("users_action"):
    reason = st.text_input("Причина (попадёт в журнал изменений)", key="users_reason")
    left, right = st.columns(2)
    unlock = left.form_submit_button("Снять блокировку входа", disabled=not chosen.locked)
    reissue = right.form_submit_button("Выдать новый код активации")
    # Blocking (staff too) ends every session; the reason goes into the audit row.
    blocked = chosen.status is AccountStatus.BLOCKED
    block = left.form_submit_button("Заблокировать учётную запись", disabled=blocked)
    unblock = right.form_submit_button("Разблокировать учётную запись", disabled=not blocked)
if unlock or reissue or block or unblock:
    try:
        with db(actor) as session:
            if block or unblock:
                set_account_blocked(
                    session, actor, login=chosen.login, blocked=block, reason=reason
                )
                st.session_state[FLASH] = (
                    f"Учётная запись «{chosen.display_name}» "
                    + ("заблокирована, её сеансы завершены." if block else "разблокирована.")
                )
            elif unlock:
                lift_lockout(session, actor, login=chosen.login, reason=reason)
                st.session_state[FLASH] = f"Вход для «{chosen.display_name}» разблокирован."
            else:
                st.session_state[NEW_CODE] = reissue_code(
                    session, actor, login=chosen.login, reason=reason
                )
                st.session_state[FLASH] = (
                    f"Прежний пароль и сеансы «{chosen.display_name}» больше не действуют."
                )
    except DomainError as error:
        st.error(str(error))
    else:
        st.rerun()
