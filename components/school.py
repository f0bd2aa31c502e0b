"""School-wide context for pages: name, time zone, today's date there, the app's address."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import streamlit as st

from components.runtime import school_settings, settings
from klassruk.clock import school_today
from klassruk.setup import school_address


def school_timezone() -> str:
    """The configured time zone of the school."""
    return school_settings().timezone


def today() -> date:
    """Today in the school's time zone."""
    return school_today(school_timezone())


def app_address() -> str:
    """The address users type (slips, links, Secure cookie): see klassruk.setup.school_address."""
    return school_address(school_settings().app_url, settings().app_url)


def browser_origin() -> str | None:
    """scheme://host[:port] of the page as the browser opened it; None outside a real server."""
    url = st.context.url
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None
