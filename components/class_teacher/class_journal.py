"""The class journal screen: its tabs, and their reads cached by the journal's data version."""

# `open_view` checks the actor's scope; cached reads then run as the system, keyed by the journal's
# version, which every journal write raises, so nothing shown is stale. `draw_*` draw the tabs.

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.class_teacher.class_journal_frames import (
    card_frame,
    details_frame,
    grid_frames,
    summary_frame,
)
from components.kit import charts as kit_charts
from components.kit.charts import VegaSpec, vega_spec
from components.kit.data_access import log_access
from components.kit.pickers import kept_expander
from components.kit.runtime import db_read, settings
from components.kit.tables import show_table
from components.kit.text import escape
from components.reports.exports import table_files
from klassruk.access.permissions import Action, Actor
from klassruk.infra.data_versions import read_version
from klassruk.models.incidents import DataAccess
from klassruk.services import calendar
from klassruk.services.class_journal.card import StudentCard, student_card
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.class_journal.summary import (
    ClassSummary,
    class_summary,
    subject_drilldown,
)
from klassruk.services.journal.common import without_marks_note
from klassruk.services.journal.grid import JournalGrid
from klassruk.services.scope.classes import require_class_scope
from klassruk.services.scope.journals import require_class_card_scope
from klassruk.text.formatting import format_average

_CACHE_READER = Actor.system("class_journal")
_MAX_ENTRIES, _TTL = 200, "1h"  # old versions' entries are never hit again: bound the memory


@dataclass(frozen=True)
class JournalView:
    """A class and period the actor may read, at the journal version read after the check."""

    actor: Actor
    class_id: int
    period_id: int
    version: int


def open_view(actor: Actor, class_id: int, period_id: int) -> JournalView:
    """Check the actor's scope over the class and read the journal's current version."""
    with db_read(actor) as session:
        require_class_scope(session, actor, class_id, Action.VIEW_CLASS_JOURNAL)
        version = read_version(session)
    return JournalView(actor, class_id, period_id, version)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES, ttl=_TTL)
def _summary(database: str, class_id: int, period_id: int, version: int) -> ClassSummary:
    with db_read(_CACHE_READER) as session:
        return class_summary(session, _CACHE_READER, class_id=class_id, period_id=period_id)


def summary_of(view: JournalView) -> ClassSummary:
    """The students × subjects summary of the view (cached)."""
    return _summary(settings().database_url, view.class_id, view.period_id, view.version)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES, ttl=_TTL)
def _summary_tables(
    database: str, class_id: int, period_id: int, version: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Once per version, not per load: a sixth of the summary tab's run (py-spy, LARGE demo).
    summary = _summary(database, class_id, period_id, version)
    return summary_frame(summary), details_frame(summary)


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES, ttl=_TTL)
def _class_charts(database: str, class_id: int, period_id: int, version: int) -> list[VegaSpec]:
    with db_read(_CACHE_READER) as session:
        charts = class_charts(session, _CACHE_READER, class_id=class_id, period_id=period_id)
    return [
        vega_spec(kit_charts.subject_averages_chart(charts.subject_averages)),
        vega_spec(kit_charts.distribution_chart(charts.distribution)),
        vega_spec(kit_charts.weekly_trend_chart(charts.weekly)),
        vega_spec(kit_charts.attendance_chart(charts.attendance)),
    ]


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES, ttl=_TTL)
def _drilldown(
    database: str, class_id: int, subject_id: int, period_id: int, version: int
) -> list[JournalGrid]:
    with db_read(_CACHE_READER) as session:
        return subject_drilldown(
            session, _CACHE_READER, class_id=class_id, subject_id=subject_id, period_id=period_id
        )


@st.cache_data(show_spinner=False, max_entries=_MAX_ENTRIES, ttl=_TTL)
def _card(
    database: str, class_id: int, student_id: int, period_id: int, version: int
) -> tuple[StudentCard, list[VegaSpec]]:
    with db_read(_CACHE_READER) as session:
        card = student_card(
            session,
            _CACHE_READER,
            class_id=class_id,
            student_id=student_id,
            period_id=period_id,
        )
    return card, [
        vega_spec(kit_charts.weekly_trend_chart(card.weekly, title=f"Динамика: {card.name}")),
        vega_spec(kit_charts.distribution_chart(card.distribution, title="Оценки обучающегося")),
    ]


def _draw_charts(specs: list[VegaSpec]) -> None:
    columns = st.columns(2)
    for index, spec in enumerate(specs):
        columns[index % 2].vega_lite_chart(spec, width="stretch")


def draw_summary(view: JournalView) -> None:
    """The summary table first (Streamlit sends it at once), then the notes above it, the rest."""
    summary = summary_of(view)
    notes = st.container()
    frame, details_table = _summary_tables(
        settings().database_url, view.class_id, view.period_id, view.version
    )
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
    details = kept_expander(
        "Подробно: средний, взвешенный, число оценок, пропуски", key="cj_details"
    )
    if details.open:
        with details:
            show_table(details_table, empty="Оценок и пропусков за период нет.")
    # Closed until asked for: drawing four charts held the table back by ~0.1 s in Chromium.
    charts = kept_expander(
        "Графики: средние по предметам, оценки, динамика, пропуски", key="cj_charts"
    )
    if charts.open:
        with charts:
            _draw_charts(
                _class_charts(settings().database_url, view.class_id, view.period_id, view.version)
            )


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
    grids = _drilldown(
        settings().database_url, view.class_id, subject_id, view.period_id, view.version
    )
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
    card, specs = _card(
        settings().database_url, view.class_id, student_id, view.period_id, view.version
    )
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
