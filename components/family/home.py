"""The family's home screen: the next school day's changes, new grades, homework, the week."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.family.cabinet import (
    ack_caption,
    change_lines,
    day_label,
    homework_list,
    lesson_line,
    paragraphs,
)
from components.kit.runtime import db_read
from components.kit.school import school_timezone, today
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.cabinet import lessons, record
from klassruk.services.overview import ChildRow
from klassruk.text.formatting import format_date


def _next_day_changes(
    on: date, day: date | None, changed: list[lessons.LessonItem], zone: str
) -> None:
    """Today's changes on a school day; on a day off, the next school day's."""
    if day is None:
        st.subheader(f"Сегодня, {day_label(on)}")
        st.caption("Уроков в ближайшие недели нет: каникулы.")
        return
    if day == on:
        st.subheader(f"Изменения на сегодня, {day_label(on)}")
        quiet = "Сегодня уроки идут по расписанию."
    else:
        st.subheader(f"Следующий учебный день — {day_label(day)}")
        st.caption(f"Сегодня, {day_label(on)}, уроков нет.")
        quiet = "Изменений нет: уроки пойдут по расписанию."
    if not changed:
        st.caption(quiet)
    for item in changed:
        with st.container(border=True):
            paragraphs([lesson_line(item), *change_lines(item, zone)])


def summary(actor: Actor, child: ChildRow) -> None:
    """Home: the next school day's changes, the newest grades, homework due, the week's state."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        day = lessons.next_school_day(session, actor, student_id=child.student_id, on=on)
        changed = lessons.changes_on(session, actor, student_id=child.student_id, on=day or on)
        since = record.new_grades_since(session, actor, student_id=child.student_id, on=on)
        fresh = record.new_grades(
            session, actor, student_id=child.student_id, since=since, on=on, timezone=zone
        )
        work = lessons.homework(session, actor, student_id=child.student_id, on=on)
        week = week_status(
            session, actor, student_id=child.student_id, week_start=on, on=on
        )
    _next_day_changes(on, day, changed, zone)
    st.subheader(f"Новые оценки с {format_date(since)}")
    if not fresh:
        st.caption("Новых оценок нет.")
    paragraphs([
        f"**{grade.value}** — {escape(grade.subject)}, {grade.kind_title} "
        f"({format_date(grade.lesson_date)})"
        for grade in fresh
    ])
    st.subheader("Домашние задания")
    # From the last school day before the next one: what was set then is due next.
    given = max((item.lesson_date for item in work if item.lesson_date < (day or on)), default=on)
    recent = [item for item in work if item.lesson_date >= given]
    homework_list(recent, empty="Заданий на ближайшие дни нет.")
    if actor.can(Action.ACKNOWLEDGE):
        st.subheader("Эта неделя")
        ack_caption(week.state, zone)
        st.page_link(
            "app_pages/cabinet_acknowledgements.py",
            label="Подтвердить ознакомление",
            icon=":material/task_alt:",
        )
