"""Klassruk entry point: page config, first-run setup, login, role-based navigation."""

from collections.abc import Callable
from functools import partial

import streamlit as st

from components.kit.auth import (
    clear_current_actor,
    log_out,
    resolve_user,
    set_current_actor,
)
from components.kit.nav import (
    CHANGE_PASSWORD_PAGE,
    FAVICON,
    LOGIN_PAGE,
    NOTIFICATION_LINK_PAGE,
    SECOND_FACTOR_PAGE,
    SETUP_PAGE,
    build_navigation,
    family_menu,
    page_everywhere,
    uses_family_menu,
)
from components.kit.runtime import schema_problem_of_database, script_run, start_run_school_settings
from components.kit.text import escape
from components.security.second_factor import must_show_second_factor_page
from klassruk.services.notifications.links import LINK_PARAMETER
from klassruk.services.school_settings import SetupState

st.set_page_config(page_title="Классрук", page_icon=FAVICON, layout="wide")


def _show_only(page: str, title: str, account: Callable[[], None] | None = None) -> None:
    shown = st.navigation(page_everywhere(page, title), position="hidden")
    if account is not None:
        family_menu({}, shown, account)
    shown.run()


def _run() -> None:
    """Setup, login, or the user's pages."""
    problem = schema_problem_of_database()
    if problem is not None:
        st.error(problem)  # migrations are a deployment step, never a page run's side effect
        return
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

    def sign_out_button() -> None:
        st.button(
            "Выйти", key="sign_out", on_click=log_out, args=(actor,), icon=":material/logout:"
        )

    def family_account(*, below_pages: bool = False) -> None:
        # One element for who and where: it is drawn on every run of every family page. In the
        # families' menu the account needs a rule under the pages.
        rule = "---\n\n" if below_pages else ""
        st.markdown(
            f"{rule}**{escape(user.display_name)}**  \n:gray[{escape(school.school_name)}]"
        )
        sign_out_button()

    def staff_account() -> None:
        # One popover named for the user: a full load draws no button, so Chromium loads no
        # button's code before the page's table (README, issue 28).
        with st.popover(
            escape(user.display_name), icon=":material/account_circle:", width="stretch"
        ):
            st.caption(escape(school.school_name))
            sign_out_button()

    # Families get no sidebar: on a phone it is an unlabelled «»» that covers the page.
    family = uses_family_menu(actor)
    if not family:
        with st.sidebar:
            staff_account()
    in_menu = family_account if family else None

    if user.must_change_password:
        _show_only(CHANGE_PASSWORD_PAGE, "Смена пароля", in_menu)
        return

    if must_show_second_factor_page(user, school.second_factor_roles):
        _show_only(SECOND_FACTOR_PAGE, "Второй фактор", in_menu)
        return

    sections = build_navigation(actor)
    if not family:
        # expanded: every page listed; collapsed, Streamlit adds an English «View N more».
        st.navigation(sections, position="sidebar", expanded=True).run()
        return
    page = st.navigation(sections, position="hidden")
    family_menu(sections, page, partial(family_account, below_pages=True))
    page.run()


with script_run():
    _run()
