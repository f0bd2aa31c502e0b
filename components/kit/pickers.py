"""Pickers shared by pages, each with its empty state: class, child, week, period, dates, tabs."""

# Usage: a picker draws its widget (or, when there is nothing to pick, a Russian message saying
# why) and returns the choice or None; the page stops on None. Keys are the page's: pass `key`.
# `kept_choice` is a drop-down whose choice survives its label changing (a state in brackets)
# after a save; `kept_tabs` keeps the open tab for the session; `multi_picker` is a
# multiselect with a Russian placeholder and without Streamlit's English «Select all».

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Generic, TypeVar

import streamlit as st

from components.kit.runtime import db_read
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError, PermissionDenied
from klassruk.services import calendar
from klassruk.services.activity import last_viewed_student
from klassruk.services.cabinet.common import list_children
from klassruk.services.delivery import ConsentRequired
from klassruk.services.overview import ChildRow
from klassruk.services.scope.classes import ClassChoice, classes_in_scope
from klassruk.services.scope.students import require_family_scope
from klassruk.text.formatting import format_date

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

NO_CLASS = "Классное руководство вам не назначено."
_CHILD = "picked_child_id"
_WEEK_STEPS = {"‹ Раньше": -7, "Эта неделя": 0, "Позже ›": 7}


def child_picker(actor: Actor, on: date) -> ChildRow | None:
    """The child the page is about; a guardian of several picks one, and the choice is kept.

    The first choice of a browser session is the child whose screen the user opened last time.
    """
    with db_read(actor) as session:
        children = list_children(session, actor, on=on)
        remembered = None if _CHILD in st.session_state else last_viewed_student(session, actor)
    if not children:
        st.info("К вашей учётной записи не привязан ни один обучающийся.")
        return None
    by_id = {child.student_id: child for child in children}
    if st.session_state.get(_CHILD) not in by_id:
        st.session_state[_CHILD] = remembered if remembered in by_id else children[0].student_id
    if len(children) > 1:
        ids = list(by_id)
        st.session_state[_CHILD] = st.radio(
            "Ребёнок",
            ids,
            index=ids.index(st.session_state[_CHILD]),
            format_func=lambda i: escape(f"{by_id[i].name.split()[1]}, {by_id[i].class_name}"),
            horizontal=True,
        )
    child = by_id[st.session_state[_CHILD]]
    st.caption(escape(f"{child.name}, {child.class_name} класс"))
    try:
        # The check the screen's services make: done here, it is remembered for the run.
        with db_read(actor) as session:
            require_family_scope(session, actor, child.student_id, on=on)
    except ConsentRequired as refusal:
        # Without consent (152-ФЗ) the family gets paper extracts: say why and what to do.
        st.warning(escape(str(refusal)), icon=":material/lock:")
        return None
    except PermissionDenied as refusal:
        st.error(escape(str(refusal)))
        return None
    return child


def _step_week(widget_key: str, state_key: str, today: date) -> None:
    step = _WEEK_STEPS.get(st.session_state[widget_key] or "")
    if step is not None:
        current = st.session_state.get(state_key, calendar.week_start(today))
        st.session_state[state_key] = (
            calendar.week_start(today) if step == 0 else (current + timedelta(days=step))
        )
    st.session_state[widget_key] = None


def week_navigator(key: str, today: date) -> date:
    """A school week to show (its Monday), moved back and forth a week at a time."""
    state_key = f"{key}_week"
    widget_key = f"{key}_week_step"
    st.segmented_control(
        "Неделя",
        list(_WEEK_STEPS),
        key=widget_key,
        on_change=_step_week,
        args=(widget_key, state_key, today),
        label_visibility="collapsed",
    )
    monday: date = st.session_state.get(state_key, calendar.week_start(today))
    st.markdown(f"**Неделя {format_date(monday)} – {format_date(monday + timedelta(days=6))}**")
    return monday


@dataclass(frozen=True)
class Choice(Generic[T]):
    """A picker's choice for this run, known before `draw()` puts its widget on the page.

    A page that draws its main table first and its pickers above it afterwards (into a
    container made earlier) gets the table on screen sooner: Chromium renders the messages in
    the order they come.
    """

    value: T
    draw: Callable[[], object]
    fixed: bool = False  # the only possible value: a page may name it in its text instead


def _planned(key: str, options: Sequence[K], default: K) -> K:
    """What the widget keyed `key` returns in this run: the user's choice, else the default."""
    chosen = st.session_state.get(key, default)
    return chosen if chosen in options else default


def _nothing() -> None:
    """Nothing to draw: the choice has no widget."""


def year_choice(actor: Actor, key: str) -> Choice[int | None]:
    """Once a year was closed, a choice of the school year; None means the current one."""
    with db_read(actor) as session:
        years = calendar.list_years(session)
    if len(years) < 2:
        return Choice(None, _nothing)
    by_id = {year.year_id: year for year in years}
    year = by_id[_planned(key, list(by_id), years[0].year_id)]

    def draw() -> None:
        st.segmented_control(
            "Учебный год",
            list(by_id),
            default=years[0].year_id,
            required=True,
            format_func=lambda i: by_id[i].name,
            key=key,
        )

    return Choice(None if year.is_current else year.year_id, draw)


def year_picker(actor: Actor, key: str) -> int | None:
    """Once a year was closed, a choice of the school year; None means the current one."""
    return _drawn(year_choice(actor, key))


def period_choice(
    actor: Actor, on: date, key: str, *, year_id: int | None = None, dated: bool = True
) -> Choice[calendar.PeriodRef | None]:
    """A reporting period of the current year (or of `year_id`); the current one first chosen.

    `dated=False` is for a page that shows the period and its dates itself: `draw()` then puts
    the choice in a popover named for the chosen period.
    """
    with db_read(actor) as session:
        periods = calendar.list_periods(session, year_id=year_id)
        current = calendar.period_for_today(session, on) if year_id is None else None
    if not periods:
        return Choice(None, lambda: st.info("Учебные периоды текущего года ещё не заданы."))
    by_id = {p.period_id: p for p in periods}
    default = current.period_id if current else periods[0].period_id
    period = by_id[_planned(key, list(by_id), default)]

    def buttons() -> None:
        # Buttons, not a drop-down: a school year has four to six periods, and Chromium showed
        # the table ~50 ms later with a drop-down's code to load first.
        st.segmented_control(
            "Период",
            list(by_id),
            default=default,
            required=True,
            format_func=lambda i: by_id[i].name,
            key=key,
        )

    def draw() -> None:
        if dated:
            buttons()
            closed = ", закрыт" if period.is_closed else ""
            st.caption(f"{format_date(period.starts_on)} – {format_date(period.ends_on)}{closed}")
            return
        # The page names the period and its dates itself: the choice folds into a popover, and
        # a full load loads no buttons' code before the page's table (README, issue 28).
        with st.popover(f"Период: {escape(period.name)}", icon=":material/date_range:"):
            buttons()

    return Choice(period, draw)


def period_picker(
    actor: Actor, on: date, key: str, *, year_id: int | None = None
) -> calendar.PeriodRef | None:
    """A reporting period of the current year (or of `year_id`); the current one first chosen."""
    return _drawn(period_choice(actor, on, key, year_id=year_id))


def class_choice(
    actor: Actor, action: Action, *, key: str, label: str = "Класс", year_id: int | None = None
) -> Choice[ClassChoice | None]:
    """A class of the current year (or `year_id`) the actor may work on with `action`."""
    with db_read(actor) as session:
        classes = classes_in_scope(session, actor, action=action, year_id=year_id)
    if not classes:
        return Choice(None, lambda: st.info(NO_CLASS))
    if len(classes) == 1:
        # Most class teachers have one class: a drop-down with one line only costs a load.
        only = classes[0]
        return Choice(only, lambda: st.markdown(f"{label}: **{escape(only.name)}**"), fixed=True)
    by_id = {choice.class_id: choice for choice in classes}
    chosen = by_id[_planned(key, list(by_id), classes[0].class_id)]

    def draw() -> None:
        st.selectbox(label, list(by_id), format_func=lambda i: by_id[i].name, key=key)

    return Choice(chosen, draw)


def class_picker(
    actor: Actor, action: Action, *, key: str, label: str = "Класс", year_id: int | None = None
) -> ClassChoice | None:
    """A class of the current year (or `year_id`) the actor may work on with `action`."""
    return _drawn(class_choice(actor, action, key=key, label=label, year_id=year_id))


def _drawn(choice: Choice[T]) -> T:
    choice.draw()
    return choice.value


@dataclass(frozen=True)
class DateRange:
    """The two ends a user typed; either may be empty when the picker allows it."""

    starts: date | None
    ends: date | None

    def required(self) -> tuple[date, date]:
        """Both ends, or a refusal in Russian when one is empty."""
        if self.starts is None or self.ends is None:
            raise DomainError("Укажите обе даты: начало и конец.")
        return self.starts, self.ends


def date_range_picker(
    key: str,
    *,
    starts: date | None = None,
    ends: date | None = None,
    labels: tuple[str, str] = ("С", "По"),
) -> DateRange:
    """Two dates side by side in the Russian format, e.g. a holiday from … to …."""
    left, right = st.columns(2)
    return DateRange(
        left.date_input(labels[0], value=starts, format="DD.MM.YYYY", key=f"{key}_from"),
        right.date_input(labels[1], value=ends, format="DD.MM.YYYY", key=f"{key}_to"),
    )


def multi_picker(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    format_func: Callable[[T], str] = str,
    default: Sequence[T] | None = None,
    placeholder: str = "Выберите из списка",
    **widget: Any,
) -> list[T]:
    """A multiselect in Russian: own placeholder, no English «Select all»."""
    return list(
        st.multiselect(
            label,
            options,
            default=default,
            format_func=format_func,
            key=key,
            placeholder=placeholder,
            select_all=False,
            **widget,
        )
    )


def kept_choice(label: str, options: dict[K, str], *, key: str) -> K | None:
    """A drop-down of things by label that keeps the thing chosen when its label changes.

    None only when there is nothing to choose from.
    """
    kept = f"{key}_kept"
    labels = list(options.values())
    if st.session_state.get(key) not in labels and st.session_state.get(kept) in options:
        st.session_state[key] = options[st.session_state[kept]]
    chosen = st.selectbox(label, labels, key=key)
    identity = next((thing for thing, text in options.items() if text == chosen), None)
    if identity is not None:
        st.session_state[kept] = identity
    return identity


def kept_tabs(labels: Sequence[str], *, key: str) -> Sequence[Any]:
    """Tabs whose selection is state; the page reopens on the same tab for the session."""
    # Streamlit forgets a widget's state on a page that does not draw it: the open tab is copied
    # aside so a user who comes back to the page finds it as they left it (the charts, say).
    kept = f"{key}_kept_open"

    def keep() -> None:
        st.session_state[kept] = st.session_state[key]

    # A default beside a value already in the state would make Streamlit warn on the page.
    remembered = st.session_state.get(kept)
    default = remembered if key not in st.session_state and remembered in labels else None
    return st.tabs(list(labels), key=key, default=default, on_change=keep)

