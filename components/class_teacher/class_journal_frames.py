"""The class journal as tables: the summary, a subject's journal, a student card."""

from __future__ import annotations

import pandas as pd

from klassruk.services.class_journal.card import StudentCard
from klassruk.services.class_journal.summary import ClassSummary, SummaryCell
from klassruk.services.journal.grid import JournalGrid
from klassruk.text.formatting import format_average

# What a class taught without marks (безотметочное обучение) has nothing to put in.
MARK_COLUMNS = ["Оценки", "Средний", "Средний взвешенный", "Оценок", "За период"]


def _marks_kept(frame: pd.DataFrame, without_marks: bool) -> pd.DataFrame:
    return frame.drop(columns=MARK_COLUMNS, errors="ignore") if without_marks else frame


def _cell(cell: SummaryCell | None) -> str:
    if cell is None:
        return ""
    text = format_average(cell.weighted_average) if cell.grades else ""
    if cell.period_grade is not None:
        text += f" [{cell.period_grade}]"
    return text.strip()


def summary_frame(summary: ClassSummary) -> pd.DataFrame:
    """Students × subjects: the weighted average and [period grade] per cell, then totals.

    A class taught without marks has each subject's absences in its cells instead.
    """
    risky = {r.student_id for r in summary.at_risk}
    table: dict[str, list[object]] = {
        "Обучающийся": [("⚠ " if sid in risky else "") + name for sid, name in summary.students]
    }
    for subject_id, subject in summary.subjects:
        cells = [summary.cells.get((sid, subject_id)) for sid, _ in summary.students]
        table[subject] = [
            (cell.absences if cell else 0) if summary.without_marks else _cell(cell)
            for cell in cells
        ]
    totals = [summary.totals.get(sid, (None, 0, 0)) for sid, _ in summary.students]
    table["Средний взвешенный"] = [format_average(t[0]) for t in totals]
    table["Оценок"] = [t[1] for t in totals]
    table["Пропусков"] = [t[2] for t in totals]
    return _marks_kept(pd.DataFrame(table), summary.without_marks)


def details_frame(summary: ClassSummary) -> pd.DataFrame:
    """One row per student and subject: average, weighted average, grades, absences."""
    subjects, students = dict(summary.subjects), dict(summary.students)
    rows = sorted(
        summary.cells.items(),
        key=lambda kv: (students.get(kv[0][0], ""), subjects.get(kv[0][1], "")),
    )
    frame = pd.DataFrame(
        {
            "Обучающийся": [students.get(s, "") for (s, _), _ in rows],
            "Предмет": [subjects.get(p, "") for (_, p), _ in rows],
            "Средний": [format_average(c.average) for _, c in rows],
            "Средний взвешенный": [format_average(c.weighted_average) for _, c in rows],
            "Оценок": [c.grades for _, c in rows],
            "За период": [c.period_grade or "" for _, c in rows],
            "Пропусков": [c.absences for _, c in rows],
        }
    )
    return _marks_kept(frame, summary.without_marks)


def grid_frames(grid: JournalGrid, without_marks: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A subject journal as its teachers see it: the marks table and the lessons table."""
    labels = grid.column_labels()
    marks: dict[str, list[object]] = {"Обучающийся": [s.name for s in grid.students]}
    for lesson in grid.lessons:
        marks[labels[lesson.lesson_id]] = [
            grid.cells[(s.student_id, lesson.lesson_id)] for s in grid.students
        ]
    marks["Средний взвешенный"] = [format_average(s.weighted_average) for s in grid.students]
    marks["Пропусков"] = [s.absences for s in grid.students]
    marks["За период"] = [s.period_grade or "" for s in grid.students]
    lessons = pd.DataFrame(
        {
            "Дата": [labels[lesson.lesson_id] for lesson in grid.lessons],
            "Учитель": [lesson.teacher for lesson in grid.lessons],
            "Тема": [lesson.topic for lesson in grid.lessons],
            "Домашнее задание": [lesson.homework for lesson in grid.lessons],
            "Контрольная": ["да" if lesson.has_test else "" for lesson in grid.lessons],
        }
    )
    return _marks_kept(pd.DataFrame(marks), without_marks), lessons


def card_frame(card: StudentCard, without_marks: bool) -> pd.DataFrame:
    """A student card: one row per subject."""
    frame = pd.DataFrame(
        {
            "Предмет": [s.subject for s in card.subjects],
            "Оценки": [s.marks for s in card.subjects],
            "Средний": [format_average(s.average) for s in card.subjects],
            "Средний взвешенный": [format_average(s.weighted_average) for s in card.subjects],
            "За период": [s.period_grade or "" for s in card.subjects],
            "Пропусков": [s.absences for s in card.subjects],
        }
    )
    return _marks_kept(frame, without_marks)
