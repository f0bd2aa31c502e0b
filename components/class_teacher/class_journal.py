"""The class journal screen's tabs: summary, details, charts, a subject, a pupil's card."""

# `draw_*` draw the tabs of a view opened by `class_journal_reads.open_view`.

from __future__ import annotations

import streamlit as st

from components.class_teacher.class_journal_frames import (
    card_frame,
    grid_frames,
)
from components.class_teacher.class_journal_reads import (
    JournalView,
    card_of,
    class_chart_specs,
    drilldown,
    summary_of,
    summary_tables,
)
from components.kit.charts import VegaSpec
from components.kit.data_access import log_access
from components.kit.runtime import db_read
from components.kit.tables import show_table
from components.kit.text import escape
from components.reports.exports import table_files
from klassruk.models.incidents import DataAccess
from klassruk.services import calendar
from klassruk.services.journal.common import without_marks_note
from klassruk.services.scope.journals import require_class_card_scope
from klassruk.text.formatting import format_average


def _draw_charts(specs: list[VegaSpec]) -> None:
    columns = st.columns(2)
    for index, spec in enumerate(specs):
        columns[index % 2].vega_lite_chart(spec, width="stretch")


def draw_summary(view: JournalView) -> None:
    """The summary table first (Streamlit sends it at once), the notes above it, the export menu."""
    summary = summary_of(view)
    notes = st.container()
    frame, details_table = summary_tables(view)
    show_table(frame, empty="В классе нет обучающихся.")
    with notes:
        if summary.without_marks:
            st.info(escape(without_marks_note(summary.class_name)))
        if summary.at_risk:
            lines = (f"- **{escape(r.name)}** — {escape(r.reasons)}" for r in summary.at_risk)
            st.warning("Требуют внимания:\n" + "\n".join(lines))
        st.caption(
            "В клетке — пропущено уроков по предмету за период. ⚠ — много пропусков."
            if summary.without_marks
            else "В клетке — средний взвешенный балл за период, в скобках — оценка за период. "
            "⚠ — средний ниже 3 или много пропусков."
        )
    log_access(view.actor, DataAccess.CLASS_JOURNAL, class_id=view.class_id)
    table_files(
        f"Журнал {summary.class_name} класса: сводка, {summary.period}",
        [("Сводка", frame), ("Подробно", details_table)],
        stem=f"zhurnal_{summary.class_name}_svodka",
        key="cj_summary_files",
    )


def draw_details(view: JournalView) -> None:
    """Per subject and student: the average, the weighted one, how many marks, absences."""
    _, details_table = summary_tables(view)
    show_table(details_table, empty="Оценок и пропусков за период нет.")
    log_access(view.actor, DataAccess.CLASS_JOURNAL, class_id=view.class_id)


def draw_charts(view: JournalView) -> None:
    """Averages by subject, the marks' spread, the weekly trend and absences, two per row."""
    _draw_charts(class_chart_specs(view))
    log_access(view.actor, DataAccess.CLASS_JOURNAL, class_id=view.class_id)


def _pick(label: str, options: dict[int, str], *, key: str, empty: str) -> int | None:
    """A choice among `options` (id → name), or the empty state's message and None."""
    if not options:
        st.info(empty)
        return None
    chosen: int = st.selectbox(label, list(options), format_func=options.__getitem__, key=key)
    return chosen


def draw_subject(view: JournalView) -> None:
    """One subject's journal as its teachers see it, the class's rows only."""
    summary = summary_of(view)
    subjects = dict(summary.subjects)
    subject_id = _pick(
        "Предмет", subjects, key="cj_subject", empty="Предметы класса пока не заданы."
    )
    if subject_id is None:
        return
    grids = drilldown(view, subject_id)
    if not grids:
        st.info("Уроков по предмету в этом периоде нет.")
    for grid in grids:
        st.subheader(escape(grid.group))
        for frame in grid_frames(grid, summary.without_marks):
            show_table(frame)
    if grids:
        tables = [
            (f"{grid.group}: {name}", frame)
            for grid in grids
            for name, frame in zip(
                ("отметки", "уроки"), grid_frames(grid, summary.without_marks), strict=True
            )
        ]
        table_files(
            f"Журнал: {grids[0].subject}, {grids[0].period}",
            tables,
            stem=f"zhurnal_{grids[0].subject}",
            key="cj_subject_files",
        )


def draw_card(view: JournalView) -> None:
    """One student of the class in all subjects, with the weekly trend."""
    summary = summary_of(view)
    students = dict(summary.students)
    student_id = _pick("Обучающийся", students, key="cj_student", empty="В классе нет обучающихся.")
    if student_id is None:
        return
    # The cached read runs as the system: scope.py decides whether this card may be shown.
    with db_read(view.actor) as session:
        require_class_card_scope(
            session,
            view.actor,
            class_id=view.class_id,
            student_id=student_id,
            period=calendar.get_period(session, view.period_id),
        )
    card, specs = card_of(view, student_id)
    log_access(view.actor, DataAccess.STUDENT_CARD, student_id=student_id, class_id=view.class_id)
    if summary.without_marks:
        st.info(escape(without_marks_note(summary.class_name)))
        st.metric("Пропусков", card.absences)
        subtitle = f"Пропусков {card.absences}."
    else:
        metrics = st.columns(3)
        metrics[0].metric("Средний взвешенный балл", format_average(card.weighted_average))
        metrics[1].metric("Оценок", sum(s.grades for s in card.subjects))
        metrics[2].metric("Пропусков", card.absences)
        subtitle = (
            f"Средний взвешенный балл {format_average(card.weighted_average)}, "
            f"пропусков {card.absences}."
        )
    frame = card_frame(card, summary.without_marks)
    show_table(frame, empty="Предметов в этом периоде нет.")
    table_files(
        f"Карточка обучающегося: {card.name}",
        [(card.period, frame)],
        subtitle=subtitle,
        stem=f"kartochka_{card.name}",
        key="cj_card_files",
    )
    _draw_charts(specs)
