"""The subject teacher's journal screen: the grid, topics, period grades, tests, advice, history.

What survives a save's rerun lives in one `JournalState` under one session key: the version
that names the editors (a save gives fresh editors), the edits carried over (the other
editors' and, after a conflict, the own ones that did not conflict) and the conflict message.
Each editor tab returns an `Edits` (what the user changed, whether they asked to save, where
to say why not); `save` sends one of them and reruns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session
from streamlit.delta_generator import DeltaGenerator

from components.kit.editing import snapshot
from components.kit.feedback import announce, show_outcome
from components.kit.pickers import period_picker
from components.kit.runtime import db, db_read
from components.kit.text import escape
from klassruk.errors import Conflict, DomainError
from klassruk.formatting import format_average, format_date
from klassruk.permissions import Actor
from klassruk.services import journal

STUDENT = "Обучающийся"
EDITORS = ("grid", "topics", "period")
_STATE = "journal_state"
_SHOWN = "journal_shown"


@dataclass
class JournalState:
    """The page's memory across reruns (see the module docstring)."""

    version: int = 0
    carried: dict[str, Any] = field(default_factory=dict)
    conflict: str | None = None

    @classmethod
    def current(cls) -> JournalState:
        """This browser session's state, created on first use."""
        state: JournalState = st.session_state.setdefault(_STATE, cls())
        return state


def editor_key(part: str, journal_id: tuple[int, int, int], version: int) -> str:
    """The widget key of one editor («grid», «topics», «period») of a journal's version."""
    group, subject, period = journal_id
    return f"journal_{part}_{group}_{subject}_{period}_{version}"


@dataclass(frozen=True)
class Screen:
    """One journal (group, subject, period) as this run shows it."""

    actor: Actor
    on: date
    assignment: journal.AssignmentRef
    period_id: int
    version: int
    carried: dict[str, Any]
    grid: journal.JournalGrid

    @property
    def scope(self) -> dict[str, int]:
        """The group and subject, as the journal services take them."""
        return {"group_id": self.assignment.group_id, "subject_id": self.assignment.subject_id}

    @property
    def journal_id(self) -> tuple[int, int, int]:
        """Which journal the carried edits belong to."""
        return (self.assignment.group_id, self.assignment.subject_id, self.period_id)

    def key(self, part: str) -> str:
        """The widget key of an editor of this journal in this version."""
        return editor_key(part, self.journal_id, self.version)

    def may_edit(self, lesson: journal.LessonColumn) -> bool:
        """A substitute fills in only the lessons they taught."""
        return not self.assignment.substitute or lesson.staff_id == self.actor.staff_id


@dataclass
class Edits:
    """What one editor tab holds: the changes, the reason typed, a save asked for."""

    changes: dict[Any, Any] = field(default_factory=dict)
    reason: str = ""
    clicked: bool = False
    message: DeltaGenerator | None = None


def text_of(value: object) -> str:
    """A data-editor cell as text (empty cells come back as None or NaN)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def open_journal(actor: Actor, on: date) -> Screen | None:
    """Pick a journal and read it (frozen while the user edits); None when there is none."""
    with db_read(actor) as session:
        assignments = journal.own_assignments(session, actor)
    if not assignments:
        st.info("Учебная нагрузка вам не назначена.")
        return None
    left, right = st.columns(2)
    choice: int = left.selectbox(
        "Группа и предмет",
        range(len(assignments)),
        format_func=lambda i: assignments[i].label,
        key="journal_assignment",
    )
    with right:
        period = period_picker(actor, on, key="journal_period")
    if period is None:
        return None
    assignment = assignments[choice]
    state = JournalState.current()
    journal_id = (assignment.group_id, assignment.subject_id, period.period_id)
    carried = state.carried if state.carried.get("for") == journal_id else {"for": journal_id}
    keys = [editor_key(part, journal_id, state.version) for part in EDITORS]

    def read() -> journal.JournalGrid:
        with db_read(actor) as session:
            return journal.read_journal(
                session,
                actor,
                group_id=assignment.group_id,
                subject_id=assignment.subject_id,
                period_id=period.period_id,
            )

    # What the user's edits are compared with: frozen while they edit, fresh otherwise.
    grid = snapshot(
        _SHOWN,
        (*journal_id, state.version),
        keys,
        read,
        held=any(carried.get(part) for part in EDITORS),
    )
    return Screen(actor, on, assignment, period.period_id, state.version, carried, grid)


def show_state(screen: Screen) -> bool:
    """The outcome, a conflict, why the journal is read-only; False when it has no lessons."""
    show_outcome()
    state = JournalState.current()
    if state.conflict:
        st.error(escape(state.conflict))
        state.conflict = None
    grid = screen.grid
    if grid.is_closed:
        st.info(
            f"Период «{escape(grid.period)}» закрыт: журнал только для просмотра. "
            "Исправления вносит заместитель директора."
        )
    if not grid.lessons:
        st.info("В этом периоде уроков у группы нет: расписание составляет заместитель директора.")
        return False
    if screen.assignment.substitute:
        st.info(
            "Вы замещали уроки в этой группе: заполните только свои уроки. "
            "Остальное ведёт учитель-предметник группы."
        )
    return True


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


def save(screen: Screen, edits: dict[str, Edits]) -> None:
    """Send the editor whose save was clicked; reload with the other editors' edits kept."""
    part = next((name for name, edit in edits.items() if edit.clicked), None)
    if part is None:
        return
    try:
        with db(screen.actor) as session:
            notice = _SAVERS[part](session, screen, edits[part])
    except Conflict as error:
        _reload(screen, part, edits, error)
        st.rerun()
    except DomainError as error:
        # The editor keeps what was typed: the teacher fixes the cell and saves again.
        message = edits[part].message
        (message or st).error(escape(str(error)))
    else:
        _reload(screen, part, edits, None)
        announce(notice)


def _reload(screen: Screen, part: str, edits: dict[str, Edits], error: Conflict | None) -> None:
    """Next run: a new editor version, the other editors' edits (and a conflict's) carried."""
    kept: dict[str, Any] = {name: dict(e.changes) for name, e in edits.items() if name != part}
    state = JournalState.current()
    if error is not None:
        kept[part] = {k: v for k, v in edits[part].changes.items() if k not in error.keys}
        kept["reason"] = edits["grid"].reason
        kept["period_reason"] = edits["period"].reason if "period" in edits else ""
        state.conflict = str(error)
    state.carried = {"for": screen.journal_id, **kept}
    state.version = screen.version + 1


def _save_grid(session: Session, screen: Screen, edits: Edits) -> str:
    saved = journal.save_grid(
        session,
        screen.actor,
        period_id=screen.period_id,
        edits={
            cell: journal.CellEdit(screen.grid.cells[cell], typed)
            for cell, typed in edits.changes.items()
        },
        reason=edits.reason,
        today=screen.on,
        **screen.scope,
    )
    return (
        f"Сохранено: новых оценок {saved.added}, исправлено {saved.changed}, "
        f"удалено {saved.deleted}, отметок о пропусках {saved.absences}."
    )


def _save_topics(session: Session, screen: Screen, edits: Edits) -> str:
    by_id = {lesson.lesson_id: lesson for lesson in screen.grid.lessons}
    count = journal.save_lessons(
        session,
        screen.actor,
        updates=[
            journal.LessonUpdate(
                lesson_id, topic, homework, by_id[lesson_id].topic, by_id[lesson_id].homework
            )
            for lesson_id, (topic, homework) in edits.changes.items()
        ],
    )
    return f"Сохранены темы и задания уроков: {count}."


def _save_period(session: Session, screen: Screen, edits: Edits) -> str:
    shown = {s.student_id: s for s in screen.grid.students}
    values = journal.parse_period_grades(
        edits.changes, names={sid: s.name for sid, s in shown.items()}
    )
    count = journal.set_period_grades(
        session,
        screen.actor,
        period_id=screen.period_id,
        values=values,
        expected={sid: shown[sid].period_grade for sid in values},
        reason=edits.reason,
        **screen.scope,
    )
    return f"Оценок за период сохранено: {count}."


_SAVERS = {"grid": _save_grid, "topics": _save_topics, "period": _save_period}
