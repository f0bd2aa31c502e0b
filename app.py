"""Klassruk entry point: page config, first-run setup, login, role-based navigation."""

import streamlit as st

from components.auth import (
    clear_current_actor,
    log_out,
    resolve_user,
    set_current_actor,
)
from components.nav import (
    CHANGE_PASSWORD_PAGE,
    FAVICON,
    LOGIN_PAGE,
    NOTIFICATION_LINK_PAGE,
    SECOND_FACTOR_PAGE,
    SETUP_PAGE,
    build_navigation,
    menu_position,
    page_everywhere,
)
from components.runtime import script_run, start_run_school_settings
from components.second_factor import must_show_second_factor_page
from components.text import escape
from klassruk.services.notifications.links import LINK_PARAMETER
from klassruk.setup import SetupState

st.set_page_config(page_title="Классрук", page_icon=FAVICON, layout="wide")


def _show_only(page: str, title: str) -> None:
    st.navigation(page_everywhere(page, title), position="hidden").run()


def _run() -> None:
    """Setup, login, or the user's pages."""
    school = start_run_school_settings()
    if school.state is SetupState.EMPTY:
        clear_current_actor()
        _show_only(SETUP_PAGE, "Первый запуск")
        return

    if LINK_PARAMETER in st.query_params:
        _show_only(NOTIFICATION_LINK_PAGE, "Ссылка из письма")
        return

    user = resolve_user()
    if user is None:
        clear_current_actor()
        _show_only(LOGIN_PAGE, "Вход")
        return

    actor = set_current_actor(user)
    with st.sidebar:
        st.caption(escape(school.school_name))
        st.markdown(f"**{escape(user.display_name)}**")
        st.button(
            "Выйти", key="sign_out", on_click=log_out, args=(actor,), icon=":material/logout:"
        )

    if user.must_change_password:
        _show_only(CHANGE_PASSWORD_PAGE, "Смена пароля")
        return

    if must_show_second_factor_page(user, school.second_factor_roles):
        _show_only(SECOND_FACTOR_PAGE, "Второй фактор")
        return

    st.navigation(build_navigation(actor), position=menu_position(actor)).run()


with script_run():
    _run()
