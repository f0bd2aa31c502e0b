"""Login state: a signed cookie (streamlit-authenticator's format), checked against the database."""

# The cookie is read from the request (`st.context.cookies`) on every run. The cookie component
# (extra-streamlit-components' frontend, an iframe) is mounted only on the runs that must write or
# delete the cookie, until the browser confirms (a rerun of its fragment, not of the page):
# ordinary runs mount nothing and trigger no rerun.

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import extra_streamlit_components
import streamlit as st
import streamlit.components.v1 as st_components

from components.kit.nav import spec_of
from components.kit.runtime import (
    adopt_browser_session_id,
    browser_session_id,
    db,
    db_read,
    settings,
)
from components.kit.school import app_address
from klassruk.access.permissions import Actor
from klassruk.access.session_tokens import SessionToken, decode_session_token, encode_session_token
from klassruk.clock import utcnow
from klassruk.models.accounts import UserAccount
from klassruk.services.accounts.sessions import (
    SessionUser,
    actor_for,
    revoke_sessions,
    user_for_session_token,
)
from klassruk.services.school_settings import served_over_https

LOGIN_ACTOR = Actor.system("login")
_AUTH_LOGIN = "auth_login"
_AUTH_ISSUED_AT = "auth_issued_at"
# What the cookie component still has to do in the browser ("set" or "delete"), and the key of
# the component instance that does it (new for every request: its reported value is its own).
_COOKIE_ACTION = "auth_cookie_action"

_cookie_component = st_components.declare_component(
    "klassruk_cookie",
    path=os.path.join(
        os.path.dirname(extra_streamlit_components.__file__), "CookieManager", "frontend", "build"
    ),
)


def read_session_cookie() -> SessionToken | None:
    """This browser's login cookie, if it is ours, intact and current (anything else: absent)."""
    config = settings()
    return decode_session_token(
        st.context.cookies.get(config.cookie_name),
        key=config.cookie_key,
        expiry_days=config.cookie_expiry_days,
    )


def _issue_cookie_token(login: str, issued_at: datetime) -> tuple[str, datetime]:
    """A signed token for this browser session, and its expiry."""
    config = settings()
    token = SessionToken(login, issued_at, browser_session_id())
    value = encode_session_token(
        token, key=config.cookie_key, expiry_days=config.cookie_expiry_days
    )
    return value, issued_at + timedelta(days=config.cookie_expiry_days)


def _request_cookie(action: str) -> None:
    st.session_state[_COOKIE_ACTION] = (action, f"auth_cookie_{action}_{uuid.uuid4().hex}")


def _sync_cookie() -> None:
    """Mount the cookie component only while a cookie write or delete awaits the browser.

    It lives in a slot every run draws first, so the page after it keeps its place and
    Streamlit never shows the page twice. The component sits in a fragment: the browser's
    report reruns only the fragment, which finds the report and unmounts it, not the page.
    """
    slot = st.empty()
    if st.session_state.get(_COOKIE_ACTION) is not None:
        with slot:
            _cookie_writer()


@st.fragment
def _cookie_writer() -> None:
    """The cookie component for the awaited write or delete, until the browser has reported."""
    pending = st.session_state.get(_COOKIE_ACTION)
    if pending is None:
        return
    action, key = pending
    if st.session_state.get(key):
        st.session_state.pop(_COOKIE_ACTION, None)
        return
    name = settings().cookie_name
    arguments: dict[str, Any] = {"method": "delete", "cookie": name}
    if action != "delete":
        token, expires = _issue_cookie_token(
            st.session_state[_AUTH_LOGIN], st.session_state[_AUTH_ISSUED_AT]
        )
        options: dict[str, object] = {
            "path": "/", "expires": expires.isoformat(), "sameSite": "strict"
        }
        if served_over_https(app_address()):
            options["secure"] = True  # never sent over plain HTTP once the app is on HTTPS
        arguments = {"method": "set", "cookie": name, "value": token, "options": options}
    _cookie_component(**arguments, key=key, default=False)


def start_session(user: UserAccount) -> None:
    """The login is complete: remember the user; the cookie is written on the next run."""
    _remember(user, utcnow())
    # A rerun in this run would drop the cookie component: it is mounted on the next one.
    _request_cookie("set")


def _remember(user: UserAccount | SessionUser, issued_at: datetime) -> None:
    st.session_state[_AUTH_LOGIN] = user.login
    st.session_state[_AUTH_ISSUED_AT] = issued_at


_LOGIN_NOTICE = "login_notice"


def leave_login_notice(text: str) -> None:
    """A message the login page shows once, after this session's account is logged out."""
    st.session_state[_LOGIN_NOTICE] = text


def take_login_notice() -> str | None:
    """The message left for the login page, once."""
    notice = st.session_state.pop(_LOGIN_NOTICE, None)
    return notice if isinstance(notice, str) else None


def _forget() -> None:
    for key in (_AUTH_LOGIN, _AUTH_ISSUED_AT):
        st.session_state.pop(key, None)


def resolve_user() -> SessionUser | None:
    """The logged-in account of this browser session, checked against revocation each run."""
    _sync_cookie()
    if _AUTH_LOGIN in st.session_state:
        login, issued_at = st.session_state[_AUTH_LOGIN], st.session_state[_AUTH_ISSUED_AT]
    else:
        token = read_session_cookie()
        if token is None:
            return None
        login, issued_at = token.login, token.issued_at
        if token.session_id is not None:
            # A reload starts a new Streamlit session: carry on the one the cookie names.
            adopt_browser_session_id(token.session_id)
    with db_read(LOGIN_ACTOR) as session:
        user = user_for_session_token(session, login=login, issued_at=issued_at)
    if user is None:
        if _AUTH_LOGIN in st.session_state:
            _forget()
            _request_cookie("delete")
        return None
    _remember(user, issued_at)
    return user


def refresh_own_session() -> None:
    """A password or role change revoked every session; keep this one by re-issuing its token."""
    st.session_state[_AUTH_ISSUED_AT] = utcnow()
    _request_cookie("set")


def log_out(actor: Actor) -> None:
    """Revoke every session of the account on the server and drop this browser's cookie."""
    with db(actor) as session:
        revoke_sessions(session, actor)
    _forget()
    _request_cookie("delete")


def current_actor() -> Actor:
    """The actor of this run; app.py sets it before any page runs."""
    actor = st.session_state.get("actor")
    if not isinstance(actor, Actor):
        st.error("Войдите в систему.")
        st.stop()
    return actor


def set_current_actor(user: UserAccount | SessionUser) -> Actor:
    """Record who acts in this run."""
    actor = actor_for(user, session_id=browser_session_id())
    st.session_state["actor"] = actor
    return actor


def clear_current_actor() -> None:
    """No one acts in this run."""
    st.session_state.pop("actor", None)


def guard_page(page_file: str) -> Actor:
    """First line of a restricted page: stop unless the user holds the page's registered action."""
    actor = current_actor()
    if not actor.can(spec_of(page_file).action):
        st.error("Недостаточно прав для просмотра этой страницы.")
        st.stop()
    return actor
