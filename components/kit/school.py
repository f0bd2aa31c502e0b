"""School-wide context for pages: name, time zone, today's date there, the app's address."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import streamlit as st

from components.kit.nav import PAGES
from components.kit.runtime import school_settings, settings
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.clock import school_today
from klassruk.services.school_settings import (
    RUSSIAN_TIME_ZONES,
    reachable_by_users,
    school_address,
    timezone_title,
)


def school_timezone() -> str:
    """The configured time zone of the school."""
    return school_settings().timezone


def today() -> date:
    """Today in the school's time zone."""
    return school_today(school_timezone())


def timezone_picker(current: str, *, key: str) -> str:
    """The school's time zone from Russia's list; a zone set outside it stays offered."""
    options = list(dict.fromkeys([*RUSSIAN_TIME_ZONES, current]))
    return st.selectbox(
        "Часовой пояс школы",
        options,
        index=options.index(current),
        format_func=timezone_title,
        key=key,
        help="По нему считаются «сегодня», сроки и время на экранах и в документах; "
        "в базе время хранится в UTC.",
    )


def app_address() -> str:
    """The address users type (slips, links, Secure cookie): see school_settings.school_address."""
    return school_address(school_settings().app_url, settings().app_url)


def _settings_menu_path() -> str:
    spec = next(p for p in PAGES if p.path == "app_pages/school_settings.py")
    return f"{spec.section} → {spec.title}"


def address_warning(actor: Actor) -> None:
    """Warn, naming the menu item to fix it, while slips would print an address nobody can open."""
    address = app_address()
    if reachable_by_users(address):
        return
    problem = (
        f"сейчас это адрес самого сервера «{address}», по нему ученики и родители не войдут"
        if address else "на листках с реквизитами не будет адреса"
    )
    # Who sets it is news to a class teacher, not to the administrator reading it.
    who = "" if actor.can(Action.MANAGE_SCHOOL_STRUCTURE) else " (это делает администратор)"
    st.warning(
        escape(
            f"Адрес школы для входа не задан: {problem}. Укажите его в разделе "
            f"«{_settings_menu_path()}»{who}."
        ),
        icon=":material/link_off:",
    )


def browser_origin() -> str | None:
    """scheme://host[:port] of the page as the browser opened it; None outside a real server."""
    url = st.context.url
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
