"""The consent register's history: every entry about one person, and their scanned forms."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.class_teacher.consent import whose_data
from components.kit.runtime import db, db_read, school_settings
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.models.consent import (
    CONSENT_STATE_TITLES,
)
from klassruk.services.consent.history import consent_history
from klassruk.services.consent.register import ClassConsent
from klassruk.services.consent.scans import scan_file
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_date, format_timestamp


def history(actor: Actor, board: ClassConsent, chosen: ClassChoice, on: date) -> None:
    """Every entry about one person, and their scanned forms."""
    st.subheader("История записей")
    people = {row.person: row for row in board.rows}
    whose = st.selectbox("Человек", list(people), key="consent_history_for")
    if not whose:
        return
    person = people[whose]
    with db_read(actor) as session:
        entries = consent_history(
            session,
            actor,
            class_id=chosen.class_id,
            on=on,
            guardian_id=person.guardian_id,
            student_id=person.student_id if person.guardian_id is None else None,
        )
    if not entries:
        st.caption(f"О согласии {escape(whose)} записей нет.")
        return
    zone = school_settings().timezone
    # Entries are numbered 1..n within this person's history, oldest first: record ids mean
    # nothing to a reader and tell how many entries the whole school has.
    number = {h.entry_id: n for n, h in enumerate(entries, start=1)}
    show_table(
        {
            "№": list(number.values()),
            "Чьи данные": [whose_data(h.subject, h.child) for h in entries],
            "Состояние": [CONSENT_STATE_TITLES[h.state] for h in entries],
            "Дата подписи": [format_date(h.signed_on) for h in entries],
            "№ бланка": [h.form_number or "—" for h in entries],
            "Исправляет запись": [
                f"№ {number[h.corrects_id]}" if h.corrects_id in number else "—" for h in entries
            ],
            "Причина": [h.reason or "—" for h in entries],
            "Записано": [format_timestamp(h.recorded_at, zone) for h in entries],
            "Кем": [h.recorded_by for h in entries],
        },
        key="consent_history",
    )
    scans = {f"запись № {number[h.entry_id]}": h.scan_id for h in entries if h.scan_id}
    if scans:
        scan_id = scans[st.selectbox("Скан бланка", list(scans), key="consent_scan_pick")]
        assert scan_id is not None
        with db(actor) as session:
            name, media_type, content = scan_file(
                session, actor, class_id=chosen.class_id, on=on, scan_id=scan_id
            )
        st.download_button(
            "Скачать скан",
            data=content,
            file_name=name,
            mime=media_type,
            key="consent_scan_download",
        )
