"""The teacher's start: the lessons of today (or of the next school day), each a click away."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components.family.cabinet import day_label
from components.kit.runtime import db_read
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.services import calendar, journal

JOURNAL_PAGE = "app_pages/journal.py"
# The journal page's own widget keys: a jump sets them before the page draws its pickers.
ASSIGNMENT_KEY = "journal_assignment"
PERIOD_KEY = "journal_period"
DONE, MISSING = ":green[есть]", ":red[нет]"


def _open_journal(
    assignments: list[journal.AssignmentRef], lesson: journal.DayLesson, period_id: int | None
) -> None:
    index = next(
        i for i, ref in enumerate(assignments)
        if (ref.group_id, ref.subject_id) == (lesson.group_id, lesson.subject_id)
    )
    st.session_state[ASSIGNMENT_KEY] = index
    if period_id is not None:
        st.session_state[PERIOD_KEY] = period_id
    st.switch_page(JOURNAL_PAGE)


def teacher_day_section(actor: Actor, on: date) -> None:
    """Lessons of the day with topic, homework and absences filled or not, and a jump to each."""
    with db_read(actor) as session:
        day = journal.teacher_day(session, actor, on=on)
        assignments = journal.own_assignments(session, actor)
        period = calendar.period_on(session, day.on)
    if not day.lessons:
        st.caption("Уроков на ближайшие три недели в расписании нет.")
        return
    if day.on == day.asked:
        st.subheader(f"Уроки сегодня, {day_label(day.on)}")
    else:
        st.subheader(f"Ближайшие уроки: {day_label(day.on)}")
        st.caption(f"Сегодня, {day_label(day.asked)}, у вас уроков нет.")
    widths = [1.1, 1.6, 2.4, 1, 1, 1.4, 1.6]
    head = st.columns(widths)
    for column, title in zip(
        head, ("Урок", "Класс, группа", "Предмет", "Тема", "Задание", "Отсутствуют", ""),
        strict=True,
    ):
        column.markdown(f"**{title}**" if title else "")
    for lesson in day.lessons:
        row = st.columns(widths, vertical_alignment="center")
        room = f", каб. {escape(lesson.room)}" if lesson.room else ""
        row[0].markdown(f"{lesson.number}-й{room}")
        row[1].markdown(escape(lesson.group))
        if lesson.cancelled:
            row[2].markdown(f"~~{escape(lesson.subject)}~~ (отменён)")
            continue
        row[2].markdown(escape(lesson.subject))
        row[3].markdown(DONE if lesson.has_topic else MISSING)
        row[4].markdown(DONE if lesson.has_homework else MISSING)
        row[5].markdown(str(lesson.absences) if lesson.absences else "нет отметок")
        if row[6].button("В журнал", key=f"today_lesson_{lesson.lesson_id}",
                         icon=":material/edit_note:"):
            _open_journal(assignments, lesson, period.id if period else None)
