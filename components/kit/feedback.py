"""What a page tells the user about an action: the outcome after the rerun, a domain error."""

# Usage: call `show_outcome()` right after the page title. An action runs inside
# `with reported_errors():` (outside the `db(...)` block, so that a refusal rolls the transaction
# back) and ends with `announce("…")`, which remembers the message and reruns the page; the next run
# shows it once. `act(actor, change, outcome)` is the two together for a one-call action. A
# `DomainError` raised inside `reported_errors` becomes an `st.error` with its Russian text and the
# page goes on drawing; nothing was written. Messages are plain text (`components.kit.text.escape`).

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from components.kit.runtime import transact
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.errors import DomainError

T = TypeVar("T")

# One key for every page: the run after an action is always a run of the same page.
_OUTCOME = "page_outcome"


def announce(message: str) -> NoReturn:
    """Remember `message` for the next run and rerun the page now."""
    st.session_state[_OUTCOME] = message
    st.rerun()


def show_outcome() -> None:
    """Show, once, the message an action announced before the rerun."""
    message = st.session_state.pop(_OUTCOME, None)
    if message:
        st.success(escape(message))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn a `DomainError` raised inside into a Russian error message on the page."""
    try:
        yield
    except DomainError as error:
        st.error(escape(str(error)))


def act(actor: Actor, change: Callable[[Session], T], outcome: str | Callable[[T], str]) -> None:
    """Run `change` in one write transaction and announce `outcome`, or show why it was refused.

    `outcome` is the message, or a function making it from what `change` returned.
    """
    with reported_errors():
        result = transact(actor, change)
        announce(outcome(result) if callable(outcome) else outcome)
