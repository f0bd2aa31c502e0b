"""The login form's work: the password, then the second factor's code, within the lockout policy."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from components.kit.auth import LOGIN_ACTOR, start_session
from components.kit.runtime import (
    browser_session_id,
    db,
    db_read,
    settings,
)
from components.kit.school import today
from klassruk.errors import DomainError
from klassruk.models.accounts import UserAccount
from klassruk.operations.monitoring import FAILED_LOGINS
from klassruk.services.accounts.login import (
    LockoutPolicy,
    authenticate,
    check_password,
    stored_password_hash,
)
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.activity import record_family_login
from klassruk.services.second_factor import verify_second_factor
from klassruk.services.throttling import ThrottlePolicy, client_address_from

# The login (and since when) whose password was right and whose second-factor code is awaited.
_AWAITED_CODE = "auth_awaited_code"
# The login form's fields, and the error its last submission left for the form to show.
LOGIN_FIELD, PASSWORD_FIELD, CODE_FIELD = "login_login", "login_password", "login_code"
_LOGIN_ERROR = "login_error"
SECOND_FACTOR_WAIT_S = 300


def client_address(*, trusted_proxies: tuple[str, ...]) -> str | None:
    """The browser's address: the socket's peer, or our trusted proxy's X-Forwarded-For."""
    peer = st.context.ip_address
    # Streamlit reports a loopback peer as None (and nothing outside a real server).
    return client_address_from(
        peer=peer if isinstance(peer, str) else "127.0.0.1",
        forwarded_for=st.context.headers.get("X-Forwarded-For"),
        proxies=trusted_proxies,
    )


def _login_policies() -> tuple[LockoutPolicy, ThrottlePolicy]:
    config = settings()
    return LockoutPolicy(config.lockout_max_failures, config.lockout_minutes), ThrottlePolicy(
        address_failures=config.throttle_address_failures,
        window_minutes=config.throttle_window_minutes,
        max_delay_minutes=config.throttle_max_delay_minutes,
        school_alert_failures=config.spray_alert_failures,
    )


def _client() -> str | None:
    return client_address(trusted_proxies=settings().trusted_proxies)


def _start_session(session: Session, user: UserAccount, on: date) -> None:
    """The login is complete: record a family's login and start the session."""
    record_family_login(session, actor_for(user, session_id=browser_session_id()), on=on)
    start_session(user)


def log_in(login: str, password: str) -> str | None:
    """Check the login form; on success remember the user and return None, else the error.

    An account with a second factor is not logged in yet: its code is asked for next
    (`awaited_second_factor`), and only `log_in_with_code` starts the session.
    """
    policy, throttle = _login_policies()
    on = today()
    # Twice at most: a second device's login may upgrade the hash between this one's check
    # and its write (the first login after the move from bcrypt), and that is no wrong password.
    for _ in range(2):
        # Password hashing runs between two short transactions, never inside the write one.
        with db_read(LOGIN_ACTOR) as session:
            stored = stored_password_hash(session, login=login)
        check = check_password(login=login, password=password, stored_hash=stored)
        with db(LOGIN_ACTOR) as session:
            result = authenticate(
                session, check=check, policy=policy, session_id=browser_session_id(),
                client_address=_client(), throttle=throttle,
            )
            if result.stale:
                continue
            if result.awaiting_second_factor:
                st.session_state[_AWAITED_CODE] = (check.login, time.monotonic())
                return None
            if result.user is None:
                FAILED_LOGINS.inc()
                return result.error
            _start_session(session, result.user, on)
            return None
    FAILED_LOGINS.inc()
    return result.error


def submit_password() -> None:
    """«Войти»: checked before the run (a callback), so a right password opens the page in it."""
    _checked(
        lambda: log_in(
            st.session_state.get(LOGIN_FIELD, ""), st.session_state.get(PASSWORD_FIELD, "")
        )
    )


def submit_code() -> None:
    """«Подтвердить»: the second factor's code, checked before the run like the password."""
    _checked(lambda: log_in_with_code(st.session_state.get(CODE_FIELD, "")))


def _checked(step: Callable[[], str | None]) -> None:
    # A callback runs before the page and outside its run: a failure of the database (nothing
    # saved, `DatabaseUnavailable`) would otherwise reach the user as a traceback.
    try:
        error = step()
    except DomainError as failure:
        error = str(failure)
    if error:
        st.session_state[_LOGIN_ERROR] = error


def take_login_error() -> str | None:
    """The error of the form's last submission, shown once."""
    error = st.session_state.pop(_LOGIN_ERROR, None)
    return error if isinstance(error, str) else None


def awaited_second_factor() -> str | None:
    """The login whose password was right and whose code is still awaited (a few minutes)."""
    awaited = st.session_state.get(_AWAITED_CODE)
    if awaited is None:
        return None
    login, since = awaited
    if time.monotonic() - since > SECOND_FACTOR_WAIT_S:
        st.session_state.pop(_AWAITED_CODE, None)
        return None
    return str(login)


def cancel_second_factor() -> None:
    """Back to the password form."""
    st.session_state.pop(_AWAITED_CODE, None)


def log_in_with_code(code: str) -> str | None:
    """The second step of a login: the app's code or a recovery code; None once logged in."""
    login = awaited_second_factor()
    if login is None:
        return "Время на ввод кода истекло. Войдите заново с логином и паролем."
    policy, throttle = _login_policies()
    on = today()
    with db(LOGIN_ACTOR) as session:
        result = verify_second_factor(
            session, login=login, code=code, policy=policy, session_id=browser_session_id(),
            client_address=_client(), throttle=throttle,
        )
        if result.user is None:
            FAILED_LOGINS.inc()
            return result.error
        _start_session(session, result.user, on)
    cancel_second_factor()
    return None
