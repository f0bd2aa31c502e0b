"""The subject teacher's journal screen: choosing a journal, its state across reruns, notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.kit.editing import snapshot
from components.kit.feedback import show_outcome
from components.kit.pickers import period_picker
from components.kit.runtime import db_read
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.services import journal

STUDENT = "Обучающийся"
EDITORS = ("grid", "topics", "period")
_STATE = "journal_state"
_SHOWN = "journal_shown"


# What survives a save's rerun lives in one `JournalState` under one session key: the version
# that names the editors (a save gives fresh editors), the edits carried over (the other
# editors' and, after a conflict, the own ones that did not conflict) and the conflict message.
# Each editor tab returns an `Edits` (what the user changed, whether they asked to save, where
# to say why not); `saving.save` sends one of them and reruns.
@dataclass
class JournalState:
    """The page's memory across reruns."""

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
