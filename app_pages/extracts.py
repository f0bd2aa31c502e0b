"""Paper extracts for the class's paper families: print a batch, keep the register, the schedule."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from components.auth import guard
from components.data_access import log_access
from components.runtime import db
from components.school import school_timezone, today
from components.text import escape
from klassruk.errors import DomainError
from klassruk.formatting import format_date, format_timestamp
from klassruk.models import DataAccess
from klassruk.models.extracts import EXTRACT_FREQUENCY_TITLES, ExtractFrequency
from klassruk.pdf.extracts import render_extracts
from klassruk.permissions import Action
from klassruk.services import calendar
from klassruk.services.consent import class_consent
from klassruk.services.extracts import (
    due_range,
    extract_register,
    mark_handed,
    mark_returned,
    print_extracts,
    schedule_of,
    set_schedule,
)
from klassruk.services.scope import classes_in_scope
from klassruk.setup import SCHOOL_NAME_KEY, get_setting

FLASH = "extracts_flash"
BATCH = "extracts_batch"

actor = guard(Action.VIEW_EXTRACTS)
st.title("Бумажные выписки из журнала")
on = today()
zone = school_timezone()
with db(actor) as session:
    classes = classes_in_scope(session, actor, action=Action.VIEW_EXTRACTS)
    school_name = get_setting(session, SCHOOL_NAME_KEY, "Классрук")
    periods = calendar.list_periods(session)
if not classes:
    st.info("Классное руководство вам не назначено.")
    st.stop()
by_name = {choice.name: choice for choice in classes}
chosen = by_name[st.selectbox("Класс", list(by_name), key="extracts_class")]
may_print = actor.can(Action.PRINT_EXTRACTS)
if FLASH in st.session_state:
    st.success(escape(st.session_state.pop(FLASH)))

with db(actor) as session:
    board = class_consent(session, actor, class_id=chosen.class_id, on=on)
    schedule = schedule_of(session, actor, class_id=chosen.class_id)
    due = due_range(session, schedule, on) if schedule is not None else None
    register = extract_register(session, actor, class_id=chosen.class_id)

# ------------------------------------------------------------------ paper list and printing
st.subheader(f"Бумажный список: {len(board.paper)}")
if board.paper:
    st.dataframe(
        pd.DataFrame(
            {
                "Родитель": [p.guardian for p in board.paper],
                "Ребёнок": [p.student for p in board.paper],
                "Почему на бумаге": [p.reason for p in board.paper],
            }
        ),
        hide_index=True, width="stretch", key="extracts_paper_list",
    )
else:
    st.caption("Все семьи класса получают сведения в электронном виде.")

if may_print and board.paper:
    default_start = due[0] if due else on - timedelta(days=on.weekday() + 7)
    default_end = due[1] if due else default_start + timedelta(days=6)
    by_period = st.radio(
        "Период выписки", ["Даты", "Учебный период"], horizontal=True, key="extracts_range_kind"
    )
    period_id = None
    date_from = date_to = None
    if by_period == "Учебный период" and periods:
        labels = {p.label: p.period_id for p in periods}
        period_id = labels[st.selectbox("Учебный период", list(labels), key="extracts_period")]
    else:
        left, right = st.columns(2)
        date_from = left.date_input("С", value=default_start, format="DD.MM.YYYY",
                                    key="extracts_from")
        date_to = right.date_input("По", value=default_end, format="DD.MM.YYYY",
                                   key="extracts_to")
    per_child = st.checkbox(
        "Одна выписка на ребёнка (если оба родителя в бумажном списке)", key="extracts_per_child"
    )
    if st.button("Напечатать выписки для бумажного списка", type="primary",
                 key="extracts_print", icon=":material/print:"):
        bar = st.progress(0.0, text="Подготовка выписок…")

        def _collected(done: int, total: int) -> None:
            bar.progress(done / max(total, 1) / 2, text=f"Выписки: {done} из {total}")

        def _rendered(done: int, total: int) -> None:
            bar.progress(0.5 + done / max(total, 1) / 2, text=f"Печать: {done} из {total}")

        try:
            with db(actor) as session:
                contents = print_extracts(
                    session, actor, class_id=chosen.class_id, on=on,
                    date_from=date_from, date_to=date_to,
                    period_id=period_id, one_per_child=per_child, progress=_collected,
                )
        except DomainError as error:
            bar.empty()
            st.error(escape(str(error)))
        else:
            pdf = render_extracts(contents, school_name=school_name, timezone=zone,
                                  progress=_rendered)
            st.session_state[BATCH] = (chosen.class_id, pdf, [c.number for c in contents])
            log_access(actor, DataAccess.EXTRACT, class_id=chosen.class_id)
            st.session_state[FLASH] = f"Напечатано выписок: {len(contents)}."
            st.rerun()

batch = st.session_state.get(BATCH)
if batch and batch[0] == chosen.class_id:
    numbers = ", ".join(f"№ {n}" for n in batch[2])
    st.download_button(
        f"Скачать выписки (PDF): {numbers}", data=batch[1],
        file_name=f"vypiski_{chosen.name}.pdf", mime="application/pdf",
        key="extracts_download", icon=":material/download:", type="primary",
    )

# ------------------------------------------------------------------ the register
st.subheader("Реестр выписок")
if not register:
    st.caption("Выписок ещё не печатали.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "№": [r.number for r in register],
                "Обучающийся": [r.student for r in register],
                "Родитель": [r.guardian for r in register],
                "Сведения": [f"{format_date(r.date_from)}–{format_date(r.date_to)}"
                             for r in register],
                "Напечатана": [format_timestamp(r.printed_at, zone) for r in register],
                "Кем": [r.printed_by for r in register],
                "Выдана": [format_date(r.handed_on) for r in register],
                "Талон возвращён": [format_date(r.returned_on) for r in register],
            }
        ),
        hide_index=True, width="stretch", key="extracts_register",
    )
    if may_print:
        open_rows = {f"№ {r.number} — {r.student}, {r.guardian}": r.number
                     for r in register if r.returned_on is None}
        if open_rows:
            left, middle, right = st.columns([3, 2, 2])
            picked = left.selectbox("Выписка", list(open_rows), key="extracts_pick")
            day = middle.date_input("Дата", value=on, max_value=on, format="DD.MM.YYYY",
                                    key="extracts_day")
            action = right.radio("Отметить", ["выдана", "талон возвращён"],
                                 key="extracts_action")
            if st.button("Отметить", key="extracts_mark"):
                number = open_rows[picked]
                try:
                    with db(actor) as session:
                        if action == "выдана":
                            mark_handed(session, actor, extract_id=number, handed_on=day, on=on)
                        else:
                            mark_returned(session, actor, extract_id=number, returned_on=day,
                                          on=on)
                except DomainError as error:
                    st.error(escape(str(error)))
                else:
                    st.session_state[FLASH] = f"Выписка № {number}: {action}."
                    st.rerun()

# ------------------------------------------------------------------ the schedule
st.subheader("График выдачи")
if schedule is not None:
    st.caption(
        f"Сейчас: {EXTRACT_FREQUENCY_TITLES[schedule.frequency]}, с "
        f"{format_date(schedule.starts_on)}."
        + (f" Очередная выписка — за {format_date(due[0])}–{format_date(due[1])}." if due else "")
    )
if may_print:
    titles = {EXTRACT_FREQUENCY_TITLES[f]: f for f in ExtractFrequency}
    left, right = st.columns(2)
    frequency = left.selectbox("Как часто", list(titles), key="extracts_frequency")
    starts_on = right.date_input("Начиная с понедельника", value=on - timedelta(days=on.weekday()),
                                 format="DD.MM.YYYY", key="extracts_starts")
    if st.button("Сохранить график", key="extracts_schedule_save"):
        with db(actor) as session:
            set_schedule(session, actor, class_id=chosen.class_id,
                         frequency=titles[frequency], starts_on=starts_on)
        st.session_state[FLASH] = "График сохранён."
        st.rerun()
