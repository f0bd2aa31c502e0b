"""Optimistic editing on a page: edits are compared with what the user saw when they began."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def has_edits(editor_key: str) -> bool:
    """Whether a data editor holds changes the user has not saved yet."""
    state = st.session_state.get(editor_key) or {}
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def snapshot(
    name: str, identity: object, editor_keys: Iterable[str], read: Callable[[], T], *, held: bool
) -> T:
    """The data the page's editors were drawn from.

    Read afresh on every run, except while an editor holds unsaved changes (or the page
    `held` edits carried over a conflict): then it stays what the user saw when they began,
    so each edit can be sent with the value it replaced.
    """
    stored = st.session_state.get(name)
    pending = held or any(has_edits(key) for key in editor_keys)
    if stored is not None and stored[0] == identity and pending:
        return stored[1]
    value = read()
    st.session_state[name] = (identity, value)
    return value
