"""Saving one journal editor: its service call, then a rerun with the other editors' edits kept."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from components.journal.screen import Edits, JournalState, Screen
from components.kit.feedback import announce
from components.kit.runtime import db
from components.kit.text import escape
from klassruk.errors import Conflict, DomainError
from klassruk.services import journal


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
