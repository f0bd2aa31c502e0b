"""The analytical report screens: the deputy head builds and sends, the class teacher reads."""

# Usage: `draw_sender(actor)` (deputy head: pick a class or all, preview, send, see who read),
# `draw_inbox(actor)` (class teacher: reports received, new ones marked; opening one marks it
# read). Each report is drawn by `components.reports.analytical.draw_report`.

from __future__ import annotations

import streamlit as st

from components.kit.feedback import act, reported_errors
from components.kit.pickers import class_picker, period_picker
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.tables import show_table
from components.reports.analytical import draw_report
from klassruk.access.permissions import Action, Actor
from klassruk.services.reports import analytical, sending
from klassruk.services.reports.sending import SentRow
from klassruk.text.formatting import format_timestamp


def _sent_table(rows: list[SentRow], *, key: str) -> None:
    zone = school_timezone()
    show_table(
        {
            "Класс": [r.class_name for r in rows],
            "Период": [r.period for r in rows],
            "Отправлен": [format_timestamp(r.sent_at, zone) for r in rows],
            "Отправил(а)": [r.sent_by for r in rows],
            "Прочитан": [
                format_timestamp(r.read_at, zone) if r.read_at else "не прочитан" for r in rows
            ],
            "Кем": [r.read_by for r in rows],
        },
        key=key,
    )


def draw_sender(actor: Actor) -> None:
    """The deputy head: a class's live report, sending it (or every class's), read receipts."""
    left, right = st.columns(2)
    with left:
        choice = class_picker(actor, Action.SEND_ANALYTICAL_REPORT, key="ar_class")
    with right:
        period = period_picker(actor, today(), key="ar_period")
    if choice is None or period is None:
        return
    send, send_all = st.columns(2)
    if send.button(
        f"Отправить отчёт {choice.name} классному руководителю",
        key="ar_send",
        icon=":material/send:",
    ):
        act(
            actor,
            lambda s: sending.send_analytical_report(
                s, actor, class_id=choice.class_id, period_id=period.period_id, on=today()
            ),
            f"Отчёт {choice.name} класса за период «{period.name}» отправлен.",
        )
    if send_all.button(
        "Отправить отчёты всех классов", key="ar_send_all", icon=":material/forward_to_inbox:"
    ):
        act(
            actor,
            lambda s: sending.send_to_all_classes(s, actor, period_id=period.period_id, on=today()),
            lambda n: f"Отправлено отчётов за период «{period.name}»: {n}.",
        )
    with st.expander("Отправленные отчёты и отметки о прочтении", expanded=True):
        with db_read(actor) as session:
            rows = sending.sent_reports(session, actor)
        if rows:
            read = sum(1 for row in rows if row.read_at is not None)
            st.caption(f"Прочитано отчётов: {read} из {len(rows)}.")
            _sent_table(rows, key="ar_sent")
        else:
            st.caption("Отчётов ещё не отправляли.")
    with reported_errors():
        with db_read(actor) as session:
            report = analytical.analytical_report(
                session, actor, class_id=choice.class_id, period_id=period.period_id, on=today()
            )
        draw_report(report, key="ar_live")


def draw_inbox(actor: Actor) -> None:
    """The class teacher: received reports (new ones first marked); opening marks it read."""
    with db_read(actor) as session:
        rows = sending.sent_reports(session, actor)
    if not rows:
        st.info("Аналитических отчётов от заместителя директора пока нет.")
        return
    zone = school_timezone()
    by_id = {row.report_id: row for row in rows}

    def title(report_id: int) -> str:
        row = by_id[report_id]
        new = "новый · " if row.read_at is None else ""
        return f"{new}{row.class_name}, {row.period}, от {format_timestamp(row.sent_at, zone)}"

    chosen = st.selectbox(
        "Отчёт",
        list(by_id),
        format_func=title,
        index=None,
        placeholder="Выберите отчёт",
        key="ar_inbox",
    )
    unread = sum(1 for row in rows if row.read_at is None)
    if unread:
        st.caption(f"Новых отчётов: {unread}.")
    if chosen is None:
        return
    with reported_errors():
        with db_read(actor) as session:
            report = sending.open_sent_report(session, actor, report_id=chosen)
        if by_id[chosen].read_at is None:
            # One write, the first time only: later reruns of the open report stay reads.
            with db(actor) as session:
                sending.mark_read(session, actor, report_id=chosen)
        draw_report(report, key=f"ar_{chosen}")
