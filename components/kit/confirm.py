"""One confirmation for every risky action: what will happen to whom, and, where due, why."""

# Usage: the action's button calls `ask(key, Risky(...))` with the sentence naming the action and
# the people it touches, frozen at the click together with `payload` (what to act on); right
# after, on this run and the next ones, `confirmed(key)` draws the question with «Отмена» and the
# confirming button, and returns a `Confirmed` (the payload and the reason typed) on the run the
# user confirms, else None. A `Risky` with `reason` set asks for a reason and refuses to go on
# without one. The confirmed action then runs as any other (`components.kit.feedback.act`).

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from components.kit.text import escape
from klassruk.text.policy import MAX_REASON


@dataclass(frozen=True)
class Risky:
    """A risky action awaiting a word: the question, the confirming button, the reason's label."""

    question: str
    confirm: str
    payload: Any = None
    # The label of a required reason (kept in the record); None: no reason is asked.
    reason: str | None = None


@dataclass(frozen=True)
class Confirmed:
    """What the user confirmed: the payload frozen at the click and the reason given."""

    payload: Any
    reason: str


def _pending(key: str) -> str:
    return f"{key}_pending"


def ask(key: str, risky: Risky, *, reason: str = "") -> None:
    """Hold the action until the user confirms it (`confirmed` with the same key).

    `reason` pre-fills the reason field with what the user already typed on the screen.
    """
    st.session_state[_pending(key)] = risky
    st.session_state[f"{key}_reason"] = reason


def forget(key: str) -> None:
    """Drop a pending question (the choice it was about is gone)."""
    st.session_state.pop(_pending(key), None)


def confirmed(key: str) -> Confirmed | None:
    """Draw the pending question of `key`; the answer on the run the user confirms."""
    risky: Risky | None = st.session_state.get(_pending(key))
    if risky is None:
        return None
    with st.container(border=True):
        st.warning(escape(risky.question), icon=":material/warning:")
        reason = ""
        if risky.reason is not None:
            reason = st.text_input(risky.reason, max_chars=MAX_REASON, key=f"{key}_reason")
        with st.container(horizontal=True):
            agreed = st.button(risky.confirm, type="primary", key=f"{key}_yes")
            cancelled = st.button("Отмена", key=f"{key}_no")
        if cancelled:
            forget(key)
            st.rerun()
    if not agreed:
        return None
    if risky.reason is not None and not reason.strip():
        st.error(f"Укажите причину: без неё «{risky.confirm}» не выполняется.")
        return None
    forget(key)
    return Confirmed(risky.payload, reason.strip())
