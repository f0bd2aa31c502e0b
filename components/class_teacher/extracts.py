"""The paper extracts page's sections: printing a batch, the register, the schedule."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components.kit.data_access import log_access
from components.kit.feedback import act, announce, reported_errors
from components.kit.runtime import db, school_settings
from components.kit.tables import show_table
from components.kit.xlsx import xlsx_button
from klassruk.access.permissions import Actor
from klassruk.models.extracts import EXTRACT_FREQUENCY_TITLES, ExtractFrequency, ExtractSchedule
from klassruk.models.incidents import DataAccess
from klassruk.pdf.extracts import render_extracts
from klassruk.services.calendar import PeriodRef
from klassruk.services.extracts.content import ExtractContent
from klassruk.services.extracts.printing import print_extracts
from klassruk.services.extracts.register import (
    RegisterRow,
    mark_handed,
    mark_returned,
    reprint_extract,
)
from klassruk.services.extracts.schedule import set_schedule
from klassruk.services.scope.classes import ClassChoice
from klassruk.text.formatting import format_date, format_timestamp

BATCH = "extracts_batch"


def _keep(actor: Actor, chosen: ClassChoice, contents: list[ExtractContent], done: str) -> None:
    """Render the batch outside any transaction, keep it for the download, announce it."""
    settings = school_settings()
    pdf = render_extracts(contents, school_name=settings.school_name, timezone=settings.timezone)
    st.session_state[BATCH] = (chosen.class_id, pdf, [c.number for c in contents])
    log_access(actor, DataAccess.EXTRACT, class_id=chosen.class_id)
    announce(done)


def print_batch(actor: Actor, chosen: ClassChoice, periods: list[PeriodRef], on: date,
                due: tuple[date, date] | None) -> None:
    """Dates or a period, one extract per guardian or per child, and the print button."""
    start = due[0] if due else on - timedelta(days=on.weekday() + 7)
    end = due[1] if due else start + timedelta(days=6)
    span: dict[str, object] = {}
    kind = st.radio("Период выписки", ["Даты", "Учебный период"], horizontal=True,
                    key="extracts_range_kind")
    if kind == "Учебный период" and periods:
        labels = {p.label: p.period_id for p in periods}
        span["period_id"] = labels[st.selectbox("Учебный период", list(labels),
                                                key="extracts_period")]
    else:
        left, right = st.columns(2)
        span["date_from"] = left.date_input("С", value=start, format="DD.MM.YYYY",
                                            key="extracts_from")
        span["date_to"] = right.date_input("По", value=end, format="DD.MM.YYYY",
                                           key="extracts_to")
    per_child = st.checkbox(
        "Одна выписка на ребёнка (если оба родителя в бумажном списке)", key="extracts_per_child"
    )
    if not st.button("Напечатать выписки для бумажного списка", type="primary",
                     key="extracts_print", icon=":material/print:"):
        return
    bar = st.progress(0.0, text="Подготовка выписок…")

    def collected(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Выписки: {done} из {total}")

    with reported_errors():
        with db(actor) as session:
            contents = print_extracts(
                session, actor, class_id=chosen.class_id, on=on, one_per_child=per_child,
                progress=collected, **span,  # type: ignore[arg-type]
            )
        _keep(actor, chosen, contents, f"Напечатано выписок: {len(contents)}.")
    bar.empty()


def download(chosen: ClassChoice) -> None:
    """The last printed batch of this class."""
    batch = st.session_state.get(BATCH)
    if batch and batch[0] == chosen.class_id:
        numbers = ", ".join(f"№ {n}" for n in batch[2])
        st.download_button(
            f"Скачать выписки (PDF): {numbers}", data=batch[1],
            file_name=f"vypiski_{chosen.name}.pdf", mime="application/pdf",
            key="extracts_download", icon=":material/download:", type="primary",
        )


def register_table(register: list[RegisterRow], chosen: ClassChoice) -> None:
    """Every printed extract of the class, and its XLSX."""
    zone = school_settings().timezone
    table = pd.DataFrame({
        "№": [r.number for r in register],
        "Обучающийся": [r.student for r in register],
        "Родитель": [r.guardian for r in register],
        "Сведения": [f"{format_date(r.date_from)}–{format_date(r.date_to)}" for r in register],
        "Напечатана": [format_timestamp(r.printed_at, zone) for r in register],
        "Кем": [r.printed_by for r in register],
        "Взамен №": [r.reprint_of or "—" for r in register],
        "Выдана": [format_date(r.handed_on) for r in register],
        "Талон возвращён": [format_date(r.returned_on) for r in register],
    })
    show_table(table, key="extracts_register", empty="Выписки ещё не печатались.")
    xlsx_button(table, sheet=f"Выписки {chosen.name}", file_name=f"reestr_{chosen.name}.xlsx",
                key="extracts_xlsx")


def register_marks(actor: Actor, register: list[RegisterRow], chosen: ClassChoice,
                   on: date) -> None:
    """Mark an extract handed over or its slip returned, or print it again."""
    open_rows = {f"№ {r.number} — {r.student}, {r.guardian}": r.number
                 for r in register if r.returned_on is None}
    if not open_rows:
        return
    left, middle, right = st.columns([3, 2, 2])
    number = open_rows[left.selectbox("Выписка", list(open_rows), key="extracts_pick")]
    day = middle.date_input("Дата", value=on, max_value=on, format="DD.MM.YYYY",
                            key="extracts_day")
    action = right.radio("Отметить", ["выдана", "талон возвращён"], key="extracts_action")
    mark, again = st.columns(2)
    if mark.button("Отметить", key="extracts_mark"):
        change = mark_handed if action == "выдана" else mark_returned
        day_name = "handed_on" if action == "выдана" else "returned_on"
        act(actor, lambda session: change(
            session, actor, extract_id=number, on=on, **{day_name: day}
        ), f"Выписка № {number}: {action}.")
    if again.button("Напечатать повторно", key="extracts_reprint", icon=":material/print:"):
        with reported_errors():
            with db(actor) as session:
                content = reprint_extract(session, actor, extract_id=number, on=on)
            _keep(actor, chosen, [content],
                  f"Выписка № {content.number} напечатана взамен № {number}.")


def schedule_form(actor: Actor, chosen: ClassChoice, schedule: ExtractSchedule | None,
                  due: tuple[date, date] | None, on: date, *, may_set: bool) -> None:
    """How often the class's paper families get an extract."""
    if schedule is None:
        # A reader who may not set it saw the heading over nothing at all.
        st.caption("График не задан." if may_set else
                   "График не задан: его задаёт классный руководитель.")
    else:
        next_due = f" Очередная выписка — за {format_date(due[0])}–{format_date(due[1])}." if (
            due) else ""
        st.caption(f"Сейчас: {EXTRACT_FREQUENCY_TITLES[schedule.frequency]}, с "
                   f"{format_date(schedule.starts_on)}.{next_due}")
    if not may_set:
        return
    titles = {EXTRACT_FREQUENCY_TITLES[f]: f for f in ExtractFrequency}
    left, right = st.columns(2)
    frequency = titles[left.selectbox("Как часто", list(titles), key="extracts_frequency")]
    starts_on = right.date_input("Начиная с понедельника", value=on - timedelta(days=on.weekday()),
                                 format="DD.MM.YYYY", key="extracts_starts")
    if st.button("Сохранить график", key="extracts_schedule_save"):
        act(actor, lambda session: set_schedule(
            session, actor, class_id=chosen.class_id, frequency=frequency, starts_on=starts_on
        ), "График сохранён.")
