"""Login state: the streamlit-authenticator cookie, verified against the database every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
import streamlit_authenticator as stauth

from components.runtime import browser_session_id, db, settings
from klassruk.models import UserAccount
from klassruk.permissions import Action, Actor
from klassruk.services.accounts import (
    LockoutPolicy,
    actor_for,
    authenticate,
    revoke_sessions,
    user_for_session_token,
)

LOGIN_ACTOR = Actor.system("login")
_AUTH_LOGIN = "auth_login"
_AUTH_ISSUED_AT = "auth_issued_at"
_COOKIE_PENDING = "auth_cookie_pending"
_COOKIE_DELETE_PENDING = "auth_cookie_delete_pending"


def _authenticator() -> stauth.Authenticate:
    config = settings()
    return stauth.Authenticate(
        {"usernames": {}},
        config.cookie_name,
        config.cookie_key,
        config.cookie_expiry_days,
        auto_hash=False,
    )


def _token_issued_at(token: dict[str, float]) -> datetime:
    # The library's JWT carries only the expiry; issue time = expiry − lifetime.
    expiry = datetime.fromtimestamp(float(token["exp_date"]), UTC)
    return expiry - timedelta(days=settings().cookie_expiry_days)


def _remember(user: UserAccount, issued_at: datetime) -> None:
    st.session_state[_AUTH_LOGIN] = user.login
    st.session_state[_AUTH_ISSUED_AT] = issued_at
    # The session keys streamlit-authenticator's own widgets and cookie expect.
    st.session_state["authentication_status"] = True
    st.session_state["username"] = user.login
    st.session_state["name"] = user.display_name
    st.session_state["roles"] = sorted(user.roles)


def _forget() -> None:
    for key in (_AUTH_LOGIN, _AUTH_ISSUED_AT):
        st.session_state.pop(key, None)
    st.session_state["authentication_status"] = None
    st.session_state["username"] = None
    st.session_state["name"] = None
    st.session_state["roles"] = None


def resolve_user() -> UserAccount | None:
    """The logged-in account of this browser session, checked against revocation each run."""
    authenticator = _authenticator()
    if st.session_state.pop(_COOKIE_DELETE_PENDING, False):
        authenticator.cookie_controller.delete_cookie()
    with db(LOGIN_ACTOR) as session:
        if _AUTH_LOGIN in st.session_state:
            user = user_for_session_token(
                session,
                login=st.session_state[_AUTH_LOGIN],
                issued_at=st.session_state[_AUTH_ISSUED_AT],
            )
            if user is None:
                _forget()
                st.session_state[_COOKIE_DELETE_PENDING] = True
                return None
            if st.session_state.pop(_COOKIE_PENDING, False):
                authenticator.cookie_controller.set_cookie()
            return user
        token = authenticator.cookie_controller.get_cookie()
        if not token:
            return None
        issued_at = _token_issued_at(token)
        user = user_for_session_token(session, login=token["username"], issued_at=issued_at)
        if user is None:
            return None
        _remember(user, issued_at)
        return user


def log_in(login: str, password: str) -> str | None:
    """Check the login form; on success remember the user and return None, else the error."""
    config = settings()
    policy = LockoutPolicy(config.lockout_max_failures, config.lockout_minutes)
    with db(LOGIN_ACTOR) as session:
        result = authenticate(
            session,
            login=login,
            password=password,
            policy=policy,
            session_id=browser_session_id(),
        )
        if result.user is None:
            return result.error
        _remember(result.user, datetime.now(UTC))
    # The cookie is written on the next run: a rerun in this one would drop the component.
    st.session_state[_COOKIE_PENDING] = True
    return None


def refresh_session_after_password_change() -> None:
    """Password change revoked every session; keep this one by re-issuing its token."""
    st.session_state[_AUTH_ISSUED_AT] = datetime.now(UTC)
    st.session_state[_COOKIE_PENDING] = True


def log_out(actor: Actor) -> None:
    """Revoke every session of the account on the server and drop this browser's cookie."""
    with db(actor) as session:
        revoke_sessions(session, actor)
    _forget()
    st.session_state[_COOKIE_DELETE_PENDING] = True


def current_actor() -> Actor:
    """The actor of this run; app.py sets it before any page runs."""
    actor = st.session_state.get("actor")
    if not isinstance(actor, Actor):
        st.error("Войдите в систему.")
        st.stop()
    return actor


def set_current_actor(user: UserAccount) -> Actor:
    """Record who acts in this run."""
    actor = actor_for(user, session_id=browser_session_id())
    st.session_state["actor"] = actor
    return actor


def clear_current_actor() -> None:
    """No one acts in this run."""
    st.session_state.pop("actor", None)


def guard(action: Action) -> Actor:
    """Stop the page unless the current user holds `action`; first line of a restricted page."""
    actor = current_actor()
    if not actor.can(action):
        st.error("Недостаточно прав для просмотра этой страницы.")
        st.stop()
    return actor
