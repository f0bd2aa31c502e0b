"""Ending a guardian's link to a child: from that day the cabinet shows them nothing of it."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.kit.feedback import act
from klassruk.access.permissions import Action, Actor
from klassruk.models.consent import (
    ConsentSubject,
)
from klassruk.services.consent.register import ClassConsent
from klassruk.services.family_links import end_guardian_link
from klassruk.text.formatting import format_date


def end_link(actor: Actor, board: ClassConsent, on: date) -> None:
    """End a guardian's link to a child: from that day the cabinet shows them nothing of it."""
    if not actor.can(Action.END_GUARDIAN_LINK):
        return
    with st.expander("Прекратить связь родителя с ребёнком"):
        pairs = {f"{row.person} — {row.child}": row for row in board.rows
                 if row.subject is ConsentSubject.CHILD and row.guardian_id is not None}
        if not pairs:
            st.caption("В классе нет связей родителей с детьми.")
            return
        row = pairs[st.selectbox("Родитель и ребёнок", list(pairs), key="link_end_pair")]
        ends_on = st.date_input("С какого дня", value=on, format="DD.MM.YYYY", key="link_end_on")
        why = st.text_input("Причина (решение суда, заявление…)", max_chars=500,
                            key="link_end_reason")
        if st.button("Прекратить связь", key="link_end"):
            assert row.guardian_id is not None and row.student_id is not None
            guardian_id, student_id = row.guardian_id, row.student_id
            act(actor, lambda session: end_guardian_link(
                session, actor, guardian_id=guardian_id, student_id=student_id,
                ends_on=ends_on, reason=why, on=on,
            ), f"Связь прекращена с {format_date(ends_on)}: {row.person} — {row.child}.")
