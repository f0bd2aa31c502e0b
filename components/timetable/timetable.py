"""The deputy head's calendar and timetable tabs: periods, holidays, slots, import, lessons."""

# Every tab takes the acting deputy head; actions go through `components.kit.feedback.act`, so a
# refusal is shown in place and a success after the rerun, on the same tab (`kept_tabs`).

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import streamlit as st
from sqlalchemy.orm import Session

from components.kit.confirm import Risky, ask, confirmed
from components.kit.feedback import act
from components.kit.pickers import date_range_picker
from components.kit.runtime import db_read
from components.kit.tables import show_table
from components.kit.text import escape
from components.kit.uploads import file_picker
from klassruk.access.permissions import Actor
from klassruk.services import calendar
from klassruk.services.spreadsheets import MAX_FILE_BYTES
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.slot_import import IMPORT_COLUMNS, import_slots
from klassruk.services.timetable.slots import (
    WEEKDAYS,
    LoadOption,
    add_slot,
    class_timetable,
    load_options,
)
from klassruk.text.formatting import format_date

PERIOD_CONFIRM = "tt_period_confirm"


class AddDated(Protocol):
    """A calendar service adding a named range of dates (a period, holidays)."""

    def __call__(
        self, session: Session, actor: Actor, *, name: str, starts_on: date, ends_on: date
    ) -> object: ...


def periods_tab(actor: Actor, on: date) -> None:
    """Reporting periods: close or reopen one (after a confirmation), add one."""
    with db_read(actor) as session:
        periods = calendar.list_periods(session)
    for period in periods:
        _period_row(period, on)
    answer = confirmed(PERIOD_CONFIRM)
    if answer is not None:
        period, closing = answer.payload
        act(
            actor,
            lambda s: calendar.set_period_closed(
                s, actor, period_id=period.period_id, closed=closing
            ),
            f"Период «{period.name}» закрыт."
            if closing
            else f"Период «{period.name}» открыт для учителей.",
        )
    _named_dates_form(
        actor,
        DatedForm("tt_period", "Название периода", ("Начало", "Конец"), "Добавить период"),
        calendar.add_period,
        "Период добавлен.",
        on,
    )


def period_question(period: calendar.PeriodRef, closing: bool) -> str:
    """What closing or reopening the period does, and to whom."""
    dates = f"{format_date(period.starts_on)} – {format_date(period.ends_on)}"
    if closing:
        return (
            f"Закрыть период «{period.name}» ({dates})? Учителя больше не смогут менять в нём "
            "оценки, пропуски, темы и задания; исправления сможет вносить только завуч."
        )
    return (
        f"Открыть закрытый период «{period.name}» ({dates})? Учителя снова смогут менять в нём "
        "оценки, пропуски, темы и задания, в том числе итоговые оценки за период."
    )


def _period_row(period: calendar.PeriodRef, on: date) -> None:
    left, right = st.columns([4, 1])
    left.markdown(escape(period.label))
    closing = not period.is_closed
    # A period still under way is not offered for closing; the button says why when pointed at.
    early = closing and period.ends_on > on
    if right.button(
        "Закрыть" if closing else "Открыть",
        key=f"tt_{'close' if closing else 'open'}_{period.period_id}",
        disabled=early,
        help=calendar.not_ended(period.name, period.ends_on) if early else None,
    ):
        ask(
            PERIOD_CONFIRM,
            Risky(
                period_question(period, closing),
                "Закрыть период" if closing else "Открыть период",
                payload=(period, closing),
            ),
        )


def holidays_tab(actor: Actor, on: date) -> None:
    """Holidays and days off: the list, and a form to add one."""
    with db_read(actor) as session:
        holidays = calendar.list_holidays(session)
    show_table(
        {
            "Название": [h.name for h in holidays],
            "С": [format_date(h.starts_on) for h in holidays],
            "По": [format_date(h.ends_on) for h in holidays],
        }
    )
    _named_dates_form(
        actor,
        DatedForm("tt_holiday", "Название (каникулы, праздничный день)", ("С", "По"), "Добавить"),
        calendar.add_holiday,
        "Каникулы добавлены.",
        on,
    )


@dataclass(frozen=True)
class DatedForm:
    """The words and keys of a form that adds something named over a range of dates."""

    key: str
    name_label: str
    date_labels: tuple[str, str]
    submit: str


def _named_dates_form(actor: Actor, form: DatedForm, add: AddDated, outcome: str, on: date) -> None:
    with st.form(f"{form.key}_form"):
        name = st.text_input(form.name_label, key=f"{form.key}_name")
        dates = date_range_picker(form.key, starts=on, ends=on, labels=form.date_labels)
        if st.form_submit_button(form.submit):

            def change(session: Session) -> object:
                starts, ends = dates.required()
                return add(session, actor, name=name, starts_on=starts, ends_on=ends)

            act(actor, change, outcome)


def slots_tab(actor: Actor, class_names: dict[int, str]) -> None:
    """A class's weekly timetable, a form to add a lesson to it, and the file import."""
    if not class_names:
        st.info("Классов пока нет.")
    else:
        class_id = st.selectbox(
            "Класс", list(class_names), format_func=class_names.__getitem__, key="tt_class"
        )
        with db_read(actor) as session:
            slots = class_timetable(session, class_id=class_id)
            options = load_options(session, class_id=class_id)
        show_table(
            {
                "День": [WEEKDAYS[s.weekday - 1] for s in slots],
                "Урок": [s.lesson_number for s in slots],
                "Группа": [s.group for s in slots],
                "Предмет": [s.subject for s in slots],
                "Учитель": [s.teacher for s in slots],
                "Кабинет": [s.room for s in slots],
            }
        )
        if options:
            _slot_form(actor, options)
    _import_form(actor)


def _slot_form(actor: Actor, options: list[LoadOption]) -> None:
    with st.form("tt_slot_form"):
        option: int = st.selectbox(
            "Группа, предмет, учитель",
            range(len(options)),
            format_func=lambda i: options[i].label,
            key="tt_slot_option",
        )
        weekday = st.selectbox(
            "День недели",
            range(1, 7),
            format_func=lambda d: WEEKDAYS[d - 1],
            key="tt_slot_day",
        )
        number = st.number_input("Номер урока", 0, 10, 1, key="tt_slot_number")
        room = st.text_input("Кабинет", key="tt_slot_room")
        if st.form_submit_button("Добавить урок в расписание"):
            chosen = options[option]
            act(
                actor,
                lambda s: add_slot(
                    s,
                    actor,
                    group_id=chosen.group_id,
                    subject_id=chosen.subject_id,
                    staff_id=chosen.staff_id,
                    weekday=weekday,
                    lesson_number=int(number),
                    room=room,
                ),
                "Урок добавлен в расписание.",
            )


def _import_form(actor: Actor) -> None:
    st.subheader("Загрузка расписания из файла")
    st.caption(
        "XLSX или CSV (UTF-8 с запятой или Windows-1251 с точкой с запятой). Столбцы: "
        + ", ".join(IMPORT_COLUMNS)
        + ". Файл загружается целиком или не загружается."
    )
    upload = file_picker(
        "Файл расписания", kinds=["xlsx", "csv"], max_bytes=MAX_FILE_BYTES, key="tt_upload"
    )
    if upload is not None and st.button("Загрузить расписание", key="tt_import"):
        data, filename = upload.getvalue(), upload.name
        act(
            actor,
            lambda s: import_slots(s, actor, data=data, filename=filename),
            lambda result: " ".join(
                (f"Расписание загружено: уроков в неделю добавлено {result.added}.", *result.notes)
            ),
        )


def lessons_tab(actor: Actor, on: date) -> None:
    """Lessons generated from the timetable for a range of dates."""
    st.caption(
        "Уроки создаются по расписанию на выбранные даты; каникулы, праздники и дни вне "
        "учебных периодов пропускаются. Повторный запуск не создаёт дублей."
    )
    dates = date_range_picker("tt_gen", starts=on, ends=on + timedelta(days=6))
    if st.button("Создать уроки", key="tt_generate"):

        def generate(session: Session) -> int:
            starts, ends = dates.required()
            return generate_lessons(session, actor, starts_on=starts, ends_on=ends)

        act(actor, generate, "Уроки созданы по расписанию.")
