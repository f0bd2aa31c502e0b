"""The family cabinet's diary sections and the parts its screens share, read on a phone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol, TypeVar

import streamlit as st

from components.kit.runtime import after_run, db, db_read
from components.kit.school import school_timezone, today
from components.kit.text import escape
from klassruk.access.permissions import Actor
from klassruk.models.families import ACK_CHANNEL_TITLES, FamilyEvent
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_SUFFIXES,
    GRADE_KIND_TITLES,
    GradeKind,
)
from klassruk.services import calendar
from klassruk.services.acknowledgements.state import AckState
from klassruk.services.activity import record_family_event
from klassruk.services.cabinet import lessons, record
from klassruk.services.cabinet.lessons import LessonItem
from klassruk.services.overview import ChildRow
from klassruk.text.formatting import format_average, format_date, format_number, format_timestamp
from klassruk.text.russian import agree_with


class _OnDate(Protocol):
    @property
    def lesson_date(self) -> date: ...


Dated = TypeVar("Dated", bound=_OnDate)
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
GRADES_LEGEND = "Рядом с оценкой — дата урока и вид работы: " + "; ".join(
    f"{GRADE_KIND_SUFFIXES[kind]} — {GRADE_KIND_TITLES[kind]}"
    for kind in GradeKind if GRADE_KIND_SUFFIXES[kind]
) + ". Ср. — средний балл с учётом веса, итог — оценка за период."
_SCREEN = "cabinet_screen"


def day_label(day: date) -> str:
    """«Пн, 30.11.2026»."""
    return f"{WEEKDAYS[day.weekday()]}, {format_date(day)}"


def open_screen(actor: Actor, child: ChildRow, section: str) -> None:
    """Log one row, once the page is drawn, when a child's screen is opened (not on its reruns)."""
    opened = (child.student_id, section)
    if st.session_state.get(_SCREEN) == opened:
        return
    st.session_state[_SCREEN] = opened
    on = today()

    def record() -> None:
        with db(actor) as session:
            record_family_event(
                session,
                actor,
                event=FamilyEvent.SCREEN,
                on=on,
                student_id=child.student_id,
                class_id=child.class_id,
                section=section,
            )

    after_run(record)


def lesson_line(item: LessonItem) -> str:
    """One lesson: number, subject, teacher, room; struck through when cancelled."""
    room = f", каб. {escape(item.room)}" if item.room else ""
    # «1\.» keeps Markdown from turning the lesson number into a numbered list.
    line = f"{item.number}\\. **{escape(item.subject)}** — {escape(item.teacher)}{room}"
    return f"~~{line}~~ (отменён)" if item.cancelled else line


def change_lines(item: LessonItem, zone: str) -> list[str]:
    """The lesson's changes, each with when it was announced."""
    lines = []
    for change in item.changes:
        reason = f" ({escape(change.reason)})" if change.reason else ""
        lines.append(
            f":orange[{escape(change.text)}{reason}] — объявлено "
            f"{format_timestamp(change.announced_at, zone)}"
        )
    return lines


def paragraphs(lines: Sequence[str]) -> None:
    """Lines as one Markdown element: a list of 80 items is one message, not 80 (per-run cost)."""
    if lines:
        st.markdown("\n\n".join(lines))


def ack_caption(state: AckState, zone: str) -> None:
    """Whether and how the item or week was acknowledged, and if it changed since."""
    if not state.acknowledged:
        st.markdown(":red[Не подтверждено]")
        return
    assert state.acknowledged_at is not None and state.channel is not None
    signed = (
        f"{agree_with(state.guardian or '', 'Ознакомлен', 'Ознакомлена')}: "
        f"{escape(state.guardian or '')}, "
        f"{format_timestamp(state.acknowledged_at, zone)}, {ACK_CHANNEL_TITLES[state.channel]}"
    )
    st.markdown(f":green[{signed}]")
    if state.changed_since:
        extra = f" (новых записей: {state.new_items})" if state.new_items else ""
        st.markdown(f":orange[**есть новое после подтверждения**{extra}]")





def _grade_mark(grade: record.GradeItem) -> str:
    """The grade in bold, its kind letter, then the lesson day small and grey."""
    return (
        f"**{grade.value}**{GRADE_KIND_SUFFIXES[grade.kind]}\u00a0"
        f":gray[:small[{grade.lesson_date.strftime('%d.%m')}]]"
    )


def grades(actor: Actor, child: ChildRow, period: calendar.PeriodRef) -> None:
    """A row per subject with all its grades at a glance (as e-diaries show), details below."""
    with db_read(actor) as session:
        subjects = record.grades_of_period(
            session, actor, student_id=child.student_id, period_id=period.period_id, on=today()
        )
    if not subjects:
        st.info("Оценок за этот период нет.")
        return
    # Two lines per subject, one Markdown element for all: the grades wrap across a phone's
    # whole width instead of a narrow table column.
    paragraphs([
        f"**{escape(subject.subject)}** · ср. **{format_average(subject.average)}**"
        + (f" · итог **{subject.period_grade}**" if subject.period_grade else "")
        + "  \n" + ("\u2003".join(_grade_mark(g) for g in subject.grades) or "—")
        for subject in subjects
    ])
    st.caption(GRADES_LEGEND)
    with st.expander("Подробно: вид работы и вес каждой оценки"):
        for subject in subjects:
            st.markdown(f"**{escape(subject.subject)}**")
            st.caption(subject.explanation)
            paragraphs([
                f"{format_date(grade.lesson_date)} — **{grade.value}**, {grade.kind_title}, "
                f"вес {format_number(grade.weight)}"
                for grade in subject.grades
            ])


def homework_list(items: list[lessons.HomeworkItem], *, empty: str) -> None:
    """Homework by day, or the `empty` caption."""
    if not items:
        st.caption(empty)
        return
    def lines(item: lessons.HomeworkItem) -> list[str]:
        topic = f"  \n:small[:gray[Тема урока: {escape(item.topic)}]]" if item.topic else ""
        return [f"**{escape(item.subject)}**: {escape(item.homework)}{topic}"]

    day_cards(items, lines)


def day_cards(items: Sequence[Dated], lines: Callable[[Dated], list[str]]) -> None:
    """One bordered card per date, in the items' order, each item's lines from `lines`."""
    by_day: dict[date, list[Dated]] = defaultdict(list)
    for item in items:
        by_day[item.lesson_date].append(item)
    for day, day_items in by_day.items():
        with st.container(border=True):
            paragraphs([f"**{day_label(day)}**", *(ln for i in day_items for ln in lines(i))])


def homework(actor: Actor, child: ChildRow) -> None:
    """Homework of the coming days, then of the past week."""
    on = today()
    with db_read(actor) as session:
        items = lessons.homework(session, actor, student_id=child.student_id, on=on)
    st.subheader("На ближайшие дни")
    homework_list([i for i in items if i.lesson_date >= on], empty="Заданий пока нет.")
    st.subheader("За прошедшую неделю")
    homework_list(
        sorted((i for i in items if i.lesson_date < on), key=lambda i: i.lesson_date, reverse=True),
        empty="Заданий не было.",
    )


def timetable(actor: Actor, child: ChildRow, monday: date) -> None:
    """The week day by day, changes marked with when they were announced."""
    zone = school_timezone()
    with db_read(actor) as session:
        items = lessons.timetable_week(
            session, actor, student_id=child.student_id, week_start=monday, on=today()
        )
    if not items:
        st.info("На этой неделе уроков нет.")
        return

    day_cards(items, lambda item: [lesson_line(item), *change_lines(item, zone)])


def tests(actor: Actor, child: ChildRow, period: calendar.PeriodRef) -> None:
    """The period's tests by date."""
    on = today()
    with db_read(actor) as session:
        items = lessons.tests_of_period(
            session, actor, student_id=child.student_id, period_id=period.period_id, on=on
        )
    if not items:
        st.info("Контрольных работ в этом периоде не запланировано.")
    paragraphs([
        f"**{day_label(item.planned_on)}**{' (прошла)' if item.planned_on < on else ''} — "
        f"{escape(item.subject)}: "
        + (f"~~{escape(item.title)}~~" if item.cancel_reason is not None else escape(item.title))
        + (f" — :orange[{escape(item.change)}]" if item.change else "")
        for item in items
    ])


def absences(actor: Actor, child: ChildRow, period: calendar.PeriodRef) -> None:
    """The period's absence marks with their kind, counted per kind."""
    with db_read(actor) as session:
        found = record.absences_of_period(
            session, actor, student_id=child.student_id, period_id=period.period_id, on=today()
        )
    if not found.items:
        st.info("Пропусков в этом периоде нет.")
        return
    counts = " · ".join(
        f"{mark.value} ({ABSENCE_TITLES[mark]}): **{count}**"
        for mark, count in found.counts.items()
    )
    paragraphs([counts, *(
        f"{day_label(item.lesson_date)}, {item.number}-й урок — {escape(item.subject)}: "
        f"**{item.mark.value}** ({item.title})"
        for item in found.items
    )])
