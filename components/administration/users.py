"""«Пользователи»: the list of accounts and the admin's actions on one, each with a reason."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.orm import Session

from components.kit.auth import refresh_own_session
from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act, announce, reported_errors
from components.kit.pickers import multi_picker
from components.kit.runtime import db, db_read, school_settings
from components.kit.school import address_warning, app_address, today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import ROLE_TITLES, Actor, Role
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES, AccountStatus
from klassruk.pdf.slips import render_slips
from klassruk.services.accounts.blocking import set_account_blocked
from klassruk.services.accounts.users import UserRow
from klassruk.services.credentials.people import STAFF_ROLES
from klassruk.services.second_factor import required_roles, set_required_roles
from klassruk.services.user_admin import (
    NewCode,
    code_slip,
    lift_lockout,
    reissue_code,
    reset_second_factor,
    set_roles,
)
from klassruk.text.formatting import format_timestamp

# The code just issued: shown once, on the run after the action; never stored.
NEW_CODE = "users_new_code"
REASON_LABEL = "Причина (попадёт в журнал изменений)"
BLOCK_CONFIRM = "users_block"
REISSUE_CONFIRM = "users_reissue"
RESET_CONFIRM = "users_second_factor_reset"


def _role_names(roles: tuple[Role, ...] | frozenset[Role]) -> str:
    return ", ".join(ROLE_TITLES[role] for role in sorted(roles))


def users_table(users: list[UserRow], timezone: str) -> None:
    """The accounts of one page of the list."""
    show_table(
        {
            "ФИО": [u.display_name for u in users],
            "Логин": [u.login for u in users],
            "Роли": [_role_names(u.roles) for u in users],
            "Состояние": [ACCOUNT_STATUS_TITLES[u.status] for u in users],
            "Вход заблокирован": ["да" if u.locked else "" for u in users],
            "Нужно сменить пароль": ["да" if u.must_change_password else "" for u in users],
            "Второй фактор": ["да" if u.has_second_factor else "" for u in users],
            "Последний вход": [format_timestamp(u.last_login_at, timezone) for u in users],
        },
        empty="Учётные записи не найдены.",
    )


def new_code_slip(actor: Actor, new_code: NewCode, *, key: str) -> None:
    """The new code on one paper slip (PDF), printed as the class's credential slips are.

    The slip prints the school's address: where it is unset or this computer's, say so here.
    """
    address_warning(actor)
    with db_read(actor) as session:
        slip = code_slip(session, actor, new_code=new_code, on=today())
    pdf = render_slips([slip], school_name=school_settings().school_name, app_url=app_address())
    st.download_button(
        "Скачать листок с кодом (PDF)", data=pdf, file_name=f"kod_{new_code.login}.pdf",
        mime="application/pdf", icon=":material/print:", key=key, on_click="ignore",
    )


def new_code_notice(actor: Actor, timezone: str) -> None:
    """The activation code the admin just issued, to hand over in person or on a slip."""
    new_code = st.session_state.pop(NEW_CODE, None)
    if isinstance(new_code, NewCode):
        st.warning(
            f"Новый код активации для «{escape(new_code.login)}»: **{new_code.code}** "
            f"(действует до "
            f"{format_timestamp(new_code.expires_at, timezone)}). Передайте его владельцу "
            "лично или распечатайте листок; в системе код не хранится."
        )
        new_code_slip(actor, new_code, key="users_new_code_slip")


def _reissue(session: Session, actor: Actor, chosen: UserRow, reason: str) -> None:
    st.session_state[NEW_CODE] = reissue_code(session, actor, login=chosen.login, reason=reason)


def access_form(actor: Actor, chosen: UserRow) -> None:
    """Lift a lockout, issue a new code, block or unblock the chosen account."""
    with st.form("users_action"):
        reason = st.text_input(REASON_LABEL, key="users_reason")
        left, right = st.columns(2)
        unlock = left.form_submit_button("Снять блокировку входа", disabled=not chosen.locked)
        reissue = right.form_submit_button("Выдать новый код активации")
        # Blocking (staff too) ends every session; the reason goes into the audit row.
        blocked = chosen.status is AccountStatus.BLOCKED
        block = left.form_submit_button("Заблокировать учётную запись", disabled=blocked)
        unblock = right.form_submit_button("Разблокировать учётную запись", disabled=not blocked)
    name, login = chosen.display_name, chosen.login
    if block:
        ask(BLOCK_CONFIRM, Risky(
            f"Заблокировать учётную запись «{login}» ({name}; {_role_names(chosen.roles)})? "
            "Все её сеансы завершатся сразу, войти с ней будет нельзя до разблокировки.",
            "Заблокировать", payload=(login, name, reason),
        ))
    answer = confirmed(BLOCK_CONFIRM)
    if answer is not None:
        blocked_login, blocked_name, why = answer.payload
        act(
            actor,
            lambda s: set_account_blocked(
                s, actor, login=blocked_login, blocked=True, reason=why
            ),
            f"Учётная запись «{blocked_name}» заблокирована, её сеансы завершены.",
        )
    if unblock:
        act(
            actor,
            lambda s: set_account_blocked(s, actor, login=login, blocked=False, reason=reason),
            f"Учётная запись «{name}» разблокирована.",
        )
    elif unlock:
        act(
            actor,
            lambda s: lift_lockout(s, actor, login=login, reason=reason),
            f"Вход для «{name}» разблокирован.",
        )
    elif reissue:
        ask(REISSUE_CONFIRM, Risky(
            f"Выдать «{login}» ({name}) новый код активации? Прежний пароль и все сеансы "
            "перестанут действовать сразу: войти можно будет только с новым кодом.",
            "Выдать новый код", payload=(chosen, reason),
        ))
    reissued = confirmed(REISSUE_CONFIRM)
    if reissued is not None:
        whom, why = reissued.payload
        act(
            actor,
            lambda s: _reissue(s, actor, whom, why),
            f"Прежний пароль и сеансы «{whom.display_name}» больше не действуют.",
        )


def roles_form(actor: Actor, chosen: UserRow) -> None:
    """Give the chosen account exactly the roles ticked; its sessions end."""
    with st.form("users_roles"):
        roles = multi_picker(
            "Роли", list(Role), key=f"users_roles_{chosen.user_id}",
            format_func=ROLE_TITLES.__getitem__, default=list(chosen.roles),
        )
        reason = st.text_input(REASON_LABEL, key="users_roles_reason")
        if not st.form_submit_button("Сохранить роли"):
            return
    with reported_errors():
        with db(actor) as session:
            changed = set_roles(
                session, actor, login=chosen.login, roles=frozenset(roles), reason=reason
            )
            next_step = changed.next_step
        if chosen.user_id == actor.user_id:
            refresh_own_session()  # the change ended every session, this one included
        announce(
            f"Роли «{chosen.display_name}»: {_role_names(frozenset(roles))}. Сеансы "
            "пользователя завершены, при следующем входе откроется новое меню."
            + (f" {next_step}" if next_step else "")
        )


def second_factor_reset_form(actor: Actor, chosen: UserRow) -> None:
    """Switch off the chosen account's second factor, e.g. after a lost phone."""
    if not chosen.has_second_factor:
        st.caption("Второй фактор у этой учётной записи не подключён.")
        return
    with st.form("users_second_factor"):
        reason = st.text_input(REASON_LABEL, key="users_second_factor_reason")
        reset = st.form_submit_button("Сбросить второй фактор")
    if reset:
        ask(RESET_CONFIRM, Risky(
            f"Сбросить второй фактор «{chosen.login}» ({chosen.display_name})? Все сеансы "
            "завершатся сразу; при входе пользователь подключит второй фактор заново.",
            "Сбросить второй фактор", payload=(chosen.login, chosen.display_name, reason),
        ))
    answer = confirmed(RESET_CONFIRM)
    if answer is not None:
        login, name, why = answer.payload
        act(
            actor,
            lambda s: reset_second_factor(s, actor, login=login, reason=why),
            f"Второй фактор «{name}» сброшен, сеансы завершены. При входе пользователь "
            "подключит его заново.",
        )


def second_factor_policy_form(actor: Actor) -> None:
    """Which staff roles must log in with a second factor."""
    with db_read(actor) as session:
        current = required_roles(session)
    with st.form("users_second_factor_policy"):
        roles = multi_picker(
            "Обязателен для ролей", sorted(STAFF_ROLES), key="users_policy_roles",
            format_func=ROLE_TITLES.__getitem__, default=sorted(current),
            placeholder="не обязателен",
        )
        reason = st.text_input(REASON_LABEL, key="users_policy_reason")
        if not st.form_submit_button("Сохранить требование"):
            return
    act(
        actor,
        lambda s: set_required_roles(s, actor, roles=frozenset(roles), reason=reason),
        "Требование сохранено. Пользователи этих ролей без второго фактора подключат его "
        "при следующем входе (на других серверах приложения — в течение минуты).",
    )
