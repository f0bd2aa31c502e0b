"""The journal's three editors: the grades and absences grid, topics and homework, period grades."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from components.journal.screen import STUDENT, Edits, Screen, text_of
from klassruk.services import journal
from klassruk.text.formatting import format_average, format_date


def _grid_frame(screen: Screen) -> tuple[pd.DataFrame, dict[str, Any]]:
    grid, kept = screen.grid, screen.carried.get("grid") or {}
    labels = grid.column_labels()
    frame: dict[str, list[object]] = {STUDENT: [s.name for s in grid.students]}
    config: dict[str, Any] = {STUDENT: st.column_config.TextColumn(STUDENT, disabled=True)}
    for lesson in grid.lessons:
        label = labels[lesson.lesson_id]
        cells = [(s.student_id, lesson.lesson_id) for s in grid.students]
        frame[label] = [kept.get(cell, grid.cells[cell]) for cell in cells]
        hint = lesson.topic or "тема не записана"
        config[label] = st.column_config.TextColumn(
            label + (" К" if lesson.has_test else ""),
            help=("Контрольная работа. " + hint) if lesson.has_test else hint,
            max_chars=20,
            disabled=grid.is_closed or lesson.status == "cancelled" or not screen.may_edit(lesson),
        )
    frame["Средний"] = [format_average(s.average) for s in grid.students]
    frame["Взвешенный"] = [format_average(s.weighted_average) for s in grid.students]
    frame["Пропусков"] = [s.absences for s in grid.students]
    for column in ("Средний", "Взвешенный", "Пропусков"):
        config[column] = st.column_config.TextColumn(column, disabled=True)
    return pd.DataFrame(frame), config


def grades_tab(screen: Screen) -> Edits:
    """The grid of grades and absences, student by lesson, with the averages."""
    grid, labels = screen.grid, screen.grid.column_labels()
    frame, config = _grid_frame(screen)
    st.caption(
        "В клетке: оценки через пробел (5 4д 3к) и отметка о пропуске (Н, Б, УП, ОП). "
        + journal.GRADE_KIND_HELP
        + "."
    )
    edited = st.data_editor(
        frame,
        column_config=config,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        disabled=grid.is_closed,
        key=screen.key("grid"),
    )
    edits = Edits()
    for row, student in enumerate(grid.students):
        for lesson in grid.lessons:
            cell = (student.student_id, lesson.lesson_id)
            typed = text_of(edited.iloc[row][labels[lesson.lesson_id]]).strip()
            if typed != grid.cells[cell]:
                edits.changes[cell] = typed
    edits.reason = st.text_input(
        "Причина исправления (нужна, если меняете или удаляете оценку, которая уже стояла)",
        value=screen.carried.get("reason", ""),
        key=f"journal_reason_{screen.version}",
    )
    edits.message = st.empty()
    edits.clicked = st.button("Сохранить оценки", type="primary", key="journal_save")
    return edits


def topics_tab(screen: Screen) -> Edits:
    """Each lesson's topic and homework."""
    grid, kept = screen.grid, screen.carried.get("topics") or {}
    shown = {
        lesson.lesson_id: kept.get(lesson.lesson_id, (lesson.topic, lesson.homework))
        for lesson in grid.lessons
    }
    topics = st.data_editor(
        pd.DataFrame(
            {
                "Дата": [format_date(lesson.lesson_date) for lesson in grid.lessons],
                "Урок": [lesson.number for lesson in grid.lessons],
                "Учитель": [lesson.teacher for lesson in grid.lessons],
                "Тема": [shown[lesson.lesson_id][0] for lesson in grid.lessons],
                "Домашнее задание": [shown[lesson.lesson_id][1] for lesson in grid.lessons],
            }
        ),
        disabled=["Дата", "Урок", "Учитель"] if not grid.is_closed else True,
        hide_index=True,
        width="stretch",
        key=screen.key("topics"),
    )
    edits = Edits()
    for i, lesson in enumerate(grid.lessons):
        typed = (text_of(topics.iloc[i]["Тема"]), text_of(topics.iloc[i]["Домашнее задание"]))
        if typed != (lesson.topic, lesson.homework) and screen.may_edit(lesson):
            edits.changes[lesson.lesson_id] = typed
    edits.message = st.empty()
    edits.clicked = not grid.is_closed and st.button(
        "Сохранить темы и задания", key="journal_save_topics"
    )
    return edits


def period_tab(screen: Screen) -> Edits:
    """The period grades next to the weighted averages."""
    grid, kept = screen.grid, screen.carried.get("period") or {}
    frame = st.data_editor(
        pd.DataFrame(
            {
                STUDENT: [s.name for s in grid.students],
                "Взвешенный": [format_average(s.weighted_average) for s in grid.students],
                "За период": [
                    kept.get(s.student_id, str(s.period_grade or "")) for s in grid.students
                ],
            }
        ),
        disabled=[STUDENT, "Взвешенный"] if not grid.is_closed else True,
        hide_index=True,
        width="stretch",
        key=screen.key("period"),
    )
    edits = Edits()
    for i, student in enumerate(grid.students):
        typed = text_of(frame.iloc[i]["За период"]).strip()
        if typed != str(student.period_grade or ""):
            edits.changes[student.student_id] = typed
    edits.reason = st.text_input(
        "Причина (если меняете уже выставленную оценку за период)",
        value=screen.carried.get("period_reason", ""),
        key=f"journal_period_reason_{screen.version}",
    )
    edits.message = st.empty()
    edits.clicked = not grid.is_closed and st.button(
        "Сохранить оценки за период", key="journal_save_period"
    )
    return edits
