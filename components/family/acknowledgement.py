"""The family's acknowledgement screens: recommendations and the week, each «Ознакомлен(а)»."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import streamlit as st
from sqlalchemy.orm import Session

from components.family.cabinet import ack_caption, change_lines, day_label, lesson_line, paragraphs
from components.kit.feedback import reported_errors
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.models.families import AckKind
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_TITLES,
    AbsenceMark,
)
from klassruk.services.acknowledgements.ledger import acknowledge_all, acknowledge_item
from klassruk.services.acknowledgements.state import (
    ITEM_TITLES,
    AckItem,
    items_to_acknowledge,
    week_status,
)
from klassruk.services.cabinet import record
from klassruk.services.cabinet.weeks import WeekContent
from klassruk.services.overview import ChildRow
from klassruk.text.formatting import format_date, format_timestamp

ACKNOWLEDGE_ALL = "Ознакомлен(а) со всем за неделю"


def _sign_button(
    actor: Actor, label: str, key: str, sign: Callable[[Session], object], *,
    primary: bool = False,
) -> None:
    if not actor.can(Action.ACKNOWLEDGE):
        return
    if st.button(
        label, key=key, icon=":material/task_alt:", type="primary" if primary else "secondary"
    ):
        with reported_errors():
            with db(actor) as session:
                sign(session)
            st.rerun()


def recommendations(actor: Actor, child: ChildRow) -> None:
    """Teachers' recommendations, newest first; a guardian confirms each."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        items = record.recommendations_of(session, actor, student_id=child.student_id, on=on)
        # Only guardians acknowledge: a student is not shown a state they cannot change.
        signs = actor.can(Action.ACKNOWLEDGE)
        states = {
            item.item_id: item
            for item in (items_to_acknowledge(
                session, actor, student_id=child.student_id, on=on
            ) if signs else [])
            if item.kind is AckKind.RECOMMENDATION
        }
    if not items:
        st.info("Рекомендаций пока нет.")
    for rec in items:
        with st.container(border=True):
            st.caption(
                f"{format_timestamp(rec.created_at, zone)} · {escape(rec.subject)} · "
                f"{escape(rec.author)}"
            )
            st.text(rec.text)
            ack = states.get(rec.recommendation_id)
            if ack is not None:
                _ack_item(actor, child, ack, zone)


def _ack_item(actor: Actor, child: ChildRow, item: AckItem, zone: str) -> None:
    ack_caption(item.state, zone)
    if item.state.acknowledged and not item.state.changed_since:
        return

    def sign(session: Session) -> None:
        acknowledge_item(
            session,
            actor,
            student_id=child.student_id,
            kind=item.kind,
            item_id=item.item_id,
            digest=item.digest,
            on=today(),
        )

    _sign_button(actor, "Ознакомлен(а)", f"ack_{item.kind}_{item.item_id}", sign)


def _week_sections(week: WeekContent, zone: str) -> list[tuple[str, list[str]]]:
    """The week's content as it will be signed, by kind: (title with count, lines)."""
    grades = [
        f"{format_date(grade.lesson_date)} — **{grade.mark}**, {escape(grade.subject)}"
        + (f", {GRADE_KIND_TITLES[grade.kind]}" if grade.kind else "")
        for grade in week.grades
    ]
    absences = [
        f"{format_date(absence.lesson_date)} — {escape(absence.subject)}: **{absence.mark}** "
        f"({ABSENCE_TITLES[AbsenceMark(absence.mark)]})"
        for absence in week.absences
    ]
    changed = [item for item in week.lessons if item.changes]
    changes = [
        line
        for item in changed
        for line in (f"{day_label(item.lesson_date)}: {lesson_line(item)}",
                     *change_lines(item, zone))
    ]
    return [
        (f"Оценки недели: {len(week.grades)}", grades),
        (f"Пропуски: {len(week.absences)}", absences),
        (f"Изменения расписания: {len(changed)}", changes),
    ]


def _folded(title: str, lines: Sequence[str]) -> None:
    """A collapsed section: the title with its count is enough to scan on a phone."""
    if not lines:
        st.markdown(title)
        return
    with st.expander(title):
        paragraphs(lines)


def _pending(items: Sequence[AckItem]) -> list[AckItem]:
    return [i for i in items if not i.state.acknowledged or i.state.changed_since]


def acknowledgement(actor: Actor, child: ChildRow, monday: date) -> None:
    """The week and the single items, folded; one «Ознакомлен(а) со всем за неделю»."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        status = week_status(
            session, actor, student_id=child.student_id, week_start=monday, on=on
        )
        items = items_to_acknowledge(
            session, actor, student_id=child.student_id, on=on
        )
    week = status.content
    ack_caption(status.state, zone)
    for title, lines in _week_sections(week, zone):
        _folded(title, lines)
    homework_count = sum(1 for item in week.lessons if item.homework)
    st.markdown(f"Домашних заданий: {homework_count} (см. «Домашние задания»)")
    pending = _pending(items)
    st.markdown("**Требуют отдельного подтверждения**")
    if not pending:
        st.caption("Всё подтверждено.")
    for kind, title in ITEM_TITLES.items():
        of_kind = [item for item in pending if item.kind is kind]
        _folded(f"{title}: {len(of_kind)}", [
            f"**{escape(item.title)}**: {escape(item.detail)}"
            + (" — :orange[изменено после подтверждения]" if item.state.changed_since else "")
            for item in of_kind
        ])
    week_open = monday <= on and (not status.state.acknowledged or status.state.changed_since)
    if not week_open and not pending:
        return

    def sign(session: Session) -> None:
        acknowledge_all(
            session,
            actor,
            student_id=child.student_id,
            week_start=monday,
            week_digest=week.digest,
            items=[(item.kind, item.item_id, item.digest) for item in pending],
            on=on,
        )

    _sign_button(actor, ACKNOWLEDGE_ALL, "ack_all", sign, primary=True)
