"""Logging that a page showed personal data, once per browser session and object per while."""

from __future__ import annotations

import time

import streamlit as st

from components.kit.runtime import db
from klassruk.access.permissions import Actor
from klassruk.models.incidents import DataAccess
from klassruk.services.data_access import record_access

# Streamlit reruns a page on every click: one row per object per quarter of an hour is enough.
REPEAT_AFTER_S = 15 * 60
_SEEN = "data_access_seen"


def log_access(
    actor: Actor, kind: DataAccess, *, student_id: int | None = None, class_id: int | None = None
) -> None:
    """Record the opening unless this session recorded the same one a moment ago."""
    seen: dict[tuple[object, ...], float] = st.session_state.setdefault(_SEEN, {})
    key = (kind, student_id, class_id)
    now = time.monotonic()
    if now - seen.get(key, -REPEAT_AFTER_S) < REPEAT_AFTER_S:
        return
    with db(actor) as session:
        record_access(session, actor, kind=kind, student_id=student_id, class_id=class_id)
    seen[key] = now
