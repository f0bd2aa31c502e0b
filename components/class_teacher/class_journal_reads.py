"""The class journal's reads: the scope check, then reads cached by the journal's data version."""

# `open_view` checks the actor's scope; cached reads then run as the system, keyed by the journal's
# version, which every journal write raises, so nothing shown is stale.

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.class_teacher.class_journal_frames import details_frame, summary_frame
from components.kit import charts as kit_charts
from components.kit.charts import VegaSpec, vega_spec
from components.kit.runtime import db_read, settings
from klassruk.access.permissions import Action, Actor
from klassruk.infra.data_versions import read_version
from klassruk.services.class_journal.card import StudentCard, student_card
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.class_journal.summary import (
    ClassSummary,
    class_summary,
    subject_drilldown,
)
from klassruk.services.journal.grid import JournalGrid
from klassruk.services.scope.classes import require_class_scope

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


def summary_tables(view: JournalView) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary and its details as tables (cached per journal version)."""
    return _summary_tables(settings().database_url, view.class_id, view.period_id, view.version)


def class_chart_specs(view: JournalView) -> list[VegaSpec]:
    """The class's four charts (cached per journal version)."""
    return _class_charts(settings().database_url, view.class_id, view.period_id, view.version)


def drilldown(view: JournalView, subject_id: int) -> list[JournalGrid]:
    """One subject's journals, the class's rows only (cached per journal version)."""
    return _drilldown(
        settings().database_url, view.class_id, subject_id, view.period_id, view.version
    )


def card_of(view: JournalView, student_id: int) -> tuple[StudentCard, list[VegaSpec]]:
    """A pupil's card and its two charts (cached; the caller checks the card's scope)."""
    return _card(settings().database_url, view.class_id, student_id, view.period_id, view.version)
