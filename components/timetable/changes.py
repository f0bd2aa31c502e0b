"""Lesson changes of a class: substitutions, moves and cancellations, and those announced."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act
from components.kit.runtime import db_read
from components.kit.school import school_timezone
from components.kit.tables import show_table
from klassruk.access.permissions import Actor
from klassruk.models.journal import LESSON_CHANGE_TITLES, LessonStatus
from klassruk.services.timetable.changes import cancel_lesson, move_lesson, substitute_teacher
from klassruk.services.timetable.queries import (
    LessonRow,
    Substitute,
    lesson_changes,
    lessons_on,
    substitutes,
)
from klassruk.text.formatting import format_date, format_timestamp
from klassruk.text.russian import agree_with

CHANGE_KINDS = ("Замена учителя", "Перенос", "Отмена")


CANCEL_CONFIRM = "tt_cancel_confirm"


def changes_tab(actor: Actor, class_names: dict[int, str], on: date) -> None:
    """Substitutions, moves and cancellations of a class's lessons, and those announced."""
    if not class_names:
        return
    class_id = st.selectbox(
        "Класс", list(class_names), format_func=class_names.__getitem__, key="tt_ch_class"
    )
    day = st.date_input("Дата", value=on, format="DD.MM.YYYY", key="tt_ch_day")
    with db_read(actor) as session:
        lessons = lessons_on(session, actor, on=day, class_id=class_id)
    if not lessons:
        st.info("В этот день у класса нет уроков.")
    else:
        chosen: int = st.selectbox(
            "Урок",
            range(len(lessons)),
            format_func=lambda i: _lesson_label(lessons[i]),
            key="tt_ch_lesson",
        )
        _change_form(actor, lessons[chosen], day)
    _announced_changes(actor, class_id, on)


def _lesson_label(lesson: LessonRow) -> str:
    cancelled = " — отменён" if lesson.status == LessonStatus.CANCELLED else ""
    return f"{lesson.number}. {lesson.subject} ({lesson.group}), {lesson.teacher}{cancelled}"


def _substitute_label(substitute: Substitute) -> str:
    if substitute.is_free:
        return f"{substitute.name} — {agree_with(substitute.name, 'свободен', 'свободна')}"
    return f"{substitute.name} — {agree_with(substitute.name, 'занят', 'занята')} на этом уроке"


def _change_form(actor: Actor, lesson: LessonRow, day: date) -> None:
    kind = st.radio("Изменение", CHANGE_KINDS, horizontal=True, key="tt_ch_kind")
    reason = st.text_input("Причина (увидят родители)", key="tt_ch_reason")
    if kind == "Замена учителя":
        with db_read(actor) as session:
            candidates = substitutes(session, actor, on=day, number=lesson.number)
        by_id = {c.staff_id: c for c in candidates}
        staff_id: int = st.selectbox(
            "Кто заменяет (свободные — первыми)",
            list(by_id),
            format_func=lambda i: _substitute_label(by_id[i]),
            key="tt_ch_staff",
        )
        if st.button("Назначить замену", key="tt_ch_sub"):
            act(
                actor,
                lambda s: substitute_teacher(
                    s, actor, lesson_id=lesson.lesson_id, staff_id=staff_id, reason=reason
                ),
                "Замена назначена.",
            )
    elif kind == "Перенос":
        new_day = st.date_input("Новая дата", value=day, format="DD.MM.YYYY", key="tt_ch_new_day")
        new_number = st.number_input(
            "Новый номер урока", 0, 10, lesson.number, key="tt_ch_new_number"
        )
        if st.button("Перенести", key="tt_ch_move"):
            act(
                actor,
                lambda s: move_lesson(
                    s,
                    actor,
                    lesson_id=lesson.lesson_id,
                    new_date=new_day,
                    new_number=int(new_number),
                    reason=reason,
                ),
                "Урок перенесён.",
            )
    elif st.button("Отменить урок", key="tt_ch_cancel"):
        ask(
            CANCEL_CONFIRM,
            Risky(
                cancel_question(lesson, day),
                "Отменить урок",
                payload=lesson.lesson_id,
                reason="Причина отмены (увидят родители)",
            ),
            reason=reason,
        )
    answer = confirmed(CANCEL_CONFIRM)
    if answer is not None:
        lesson_id, why = answer.payload, answer.reason
        act(
            actor,
            lambda s: cancel_lesson(s, actor, lesson_id=lesson_id, reason=why),
            "Урок отменён.",
        )


def cancel_question(lesson: LessonRow, day: date) -> str:
    """What cancelling the lesson does, and to whom."""
    return (
        f"Отменить урок {lesson.number} ({format_date(day)}): {lesson.subject}, "
        f"{lesson.group}, учитель {lesson.teacher}? Семьи группы сразу увидят отмену "
        "в расписании вместе с причиной."
    )


def _announced_changes(actor: Actor, class_id: int, on: date) -> None:
    with db_read(actor) as session:
        changes = lesson_changes(
            session,
            starts_on=on - timedelta(days=30),
            ends_on=on + timedelta(days=30),
            class_id=class_id,
        )
    zone = school_timezone()
    st.subheader("Объявленные изменения (±30 дней)")
    show_table(
        {
            "Урок": [f"{format_date(c.lesson_date)}, {c.number}" for c in changes],
            "Предмет": [f"{c.subject} ({c.group})" for c in changes],
            "Изменение": [LESSON_CHANGE_TITLES[c.kind] for c in changes],
            "Было": [
                c.old_teacher
                or (f"{format_date(c.old_date)}, {c.old_number}" if c.old_date else "")
                for c in changes
            ],
            "Стало": [c.new_teacher for c in changes],
            "Объявлено": [format_timestamp(c.announced_at, zone) for c in changes],
            "Причина": [c.reason for c in changes],
        }
    )
