"""The family cabinet's school facts: who teaches the child, the periods and holidays."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.family.cabinet import paragraphs
from components.kit.runtime import db_read
from components.kit.school import today
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.models.school import GroupKind
from klassruk.services.cabinet import school
from klassruk.services.groups.queries import KIND_TITLES
from klassruk.services.overview import ChildRow
from klassruk.text.formatting import format_date


def teachers(actor: Actor, child: ChildRow) -> None:
    """Who teaches the child each subject, and the class teacher."""
    with db_read(actor) as session:
        rows = school.teachers_of_child(session, actor, student_id=child.student_id, on=today())
    lines = [f"Классный руководитель: **{escape(child.class_teacher)}**"]
    for row in rows:
        note = KIND_TITLES[row.kind]
        # A subgroup's usual name repeats the class and the subject the line already gives.
        short = row.group.removeprefix(f"{child.class_name}: {row.subject}, ")
        group = f"{note} «{escape(short)}»" if row.kind != GroupKind.WHOLE_CLASS else note
        lines.append(f"**{escape(row.subject)}** — {escape(row.teacher)}  \n{group}")
    paragraphs(lines)


def year_calendar(actor: Actor, child: ChildRow) -> None:
    """Reporting periods and holidays of the year."""
    on = today()
    with db_read(actor) as session:
        year = school.year_calendar(session, actor, student_id=child.student_id, on=on)
    st.subheader("Учебные периоды")
    paragraphs([
        f"**{escape(period.name)}**: {format_date(period.starts_on)} – "
        f"{format_date(period.ends_on)}"
        + (" — идёт сейчас" if period.starts_on <= on <= period.ends_on else "")
        for period in year.periods
    ])
    st.subheader("Каникулы и праздничные дни")
    paragraphs([
        f"**{_days(holiday.starts_on, holiday.ends_on)}** — {escape(holiday.name)}"
        for holiday in year.holidays
    ])


def _days(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return format_date(starts_on)
    return f"{format_date(starts_on)} – {format_date(ends_on)}"
