"""The family cabinet's screens: lists that read well on a phone, one function per section."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from components.feedback import reported_errors
from components.runtime import db, db_read
from components.school import school_timezone, today
from components.text import escape
from klassruk.formatting import format_average, format_date, format_number, format_timestamp
from klassruk.models import GroupKind
from klassruk.models.families import ACK_CHANNEL_TITLES, AckKind, FamilyEvent
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_SUFFIXES,
    GRADE_KIND_TITLES,
    AbsenceMark,
    GradeKind,
)
from klassruk.permissions import Action, Actor
from klassruk.russian import agree_with
from klassruk.services import calendar
from klassruk.services.acknowledgements.ledger import acknowledge_all, acknowledge_item
from klassruk.services.acknowledgements.state import (
    ITEM_TITLES,
    AckItem,
    AckState,
    items_to_acknowledge,
    week_status,
)
from klassruk.services.activity import record_family_event
from klassruk.services.cabinet import lessons, record, school
from klassruk.services.cabinet.lessons import LessonItem
from klassruk.services.cabinet.weeks import WeekContent
from klassruk.services.groups import KIND_TITLES
from klassruk.services.overview import ChildRow


class _OnDate(Protocol):
    @property
    def lesson_date(self) -> date: ...


Dated = TypeVar("Dated", bound=_OnDate)
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
NEW_GRADES_DAYS = 7
ACKNOWLEDGE_ALL = "Ознакомлен(а) со всем за неделю"
GRADES_LEGEND = "Рядом с оценкой — дата урока и вид работы: " + "; ".join(
    f"{GRADE_KIND_SUFFIXES[kind]} — {GRADE_KIND_TITLES[kind]}"
    for kind in GradeKind if GRADE_KIND_SUFFIXES[kind]
) + ". Ср. — средний балл с учётом веса, итог — оценка за период."
_SCREEN = "cabinet_screen"


def day_label(day: date) -> str:
    """«Пн, 30.11.2026»."""
    return f"{WEEKDAYS[day.weekday()]}, {format_date(day)}"


def open_screen(actor: Actor, child: ChildRow, section: str) -> None:
    """Log one row when a screen of a child is opened (not on every rerun of the same screen)."""
    opened = (child.student_id, section)
    if st.session_state.get(_SCREEN) == opened:
        return
    st.session_state[_SCREEN] = opened
    with db(actor) as session:
        record_family_event(
            session,
            actor,
            event=FamilyEvent.SCREEN,
            on=today(),
            student_id=child.student_id,
            class_id=child.class_id,
            section=section,
        )


def _lesson_line(item: LessonItem) -> str:
    room = f", каб. {escape(item.room)}" if item.room else ""
    # «1\.» keeps Markdown from turning the lesson number into a numbered list.
    line = f"{item.number}\\. **{escape(item.subject)}** — {escape(item.teacher)}{room}"
    return f"~~{line}~~ (отменён)" if item.cancelled else line


def _changes(item: LessonItem, zone: str) -> list[str]:
    lines = []
    for change in item.changes:
        reason = f" ({escape(change.reason)})" if change.reason else ""
        lines.append(
            f":orange[{escape(change.text)}{reason}] — объявлено "
            f"{format_timestamp(change.announced_at, zone)}"
        )
    return lines


def _paragraphs(lines: Sequence[str]) -> None:
    """Lines as one Markdown element: a list of 80 items is one message, not 80 (per-run cost)."""
    if lines:
        st.markdown("\n\n".join(lines))


def _ack_caption(state: AckState, zone: str) -> None:
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


# ---------------------------------------------------------------- home


def _next_day_changes(
    on: date, day: date | None, changed: list[lessons.LessonItem], zone: str
) -> None:
    """Today's changes on a school day; on a day off, the next school day's."""
    if day is None:
        st.subheader(f"Сегодня, {day_label(on)}")
        st.caption("Уроков в ближайшие недели нет: каникулы.")
        return
    if day == on:
        st.subheader(f"Изменения на сегодня, {day_label(on)}")
        quiet = "Сегодня уроки идут по расписанию."
    else:
        st.subheader(f"Следующий учебный день — {day_label(day)}")
        st.caption(f"Сегодня, {day_label(on)}, уроков нет.")
        quiet = "Изменений нет: уроки пойдут по расписанию."
    if not changed:
        st.caption(quiet)
    for item in changed:
        with st.container(border=True):
            _paragraphs([_lesson_line(item), *_changes(item, zone)])


def summary(actor: Actor, child: ChildRow) -> None:
    """Home: the next school day's changes, the newest grades, homework due, the week's state."""
    on = today()
    zone = school_timezone()
    since = on - timedelta(days=NEW_GRADES_DAYS)
    with db_read(actor) as session:
        day = lessons.next_school_day(session, actor, student_id=child.student_id, on=on)
        changed = lessons.changes_on(session, actor, student_id=child.student_id, on=day or on)
        fresh = record.new_grades(
            session,
            actor,
            student_id=child.student_id,
            since=datetime.combine(since, time(0), tzinfo=UTC),
            on=on,
        )
        work = lessons.homework(session, actor, student_id=child.student_id, on=on)
        week = week_status(
            session, actor, student_id=child.student_id, week_start=on, on=on
        )
    _next_day_changes(on, day, changed, zone)
    st.subheader(f"Новые оценки с {format_date(since)}")
    if not fresh:
        st.caption("Новых оценок нет.")
    _paragraphs([
        f"**{grade.value}** — {escape(grade.subject)}, {grade.kind_title} "
        f"({format_date(grade.lesson_date)})"
        for grade in fresh
    ])
    st.subheader("Домашние задания")
    # From the last school day before the next one: what was set then is due next.
    given = max((item.lesson_date for item in work if item.lesson_date < (day or on)), default=on)
    recent = [item for item in work if item.lesson_date >= given]
    _homework_list(recent, empty="Заданий на ближайшие дни нет.")
    if actor.can(Action.ACKNOWLEDGE):
        st.subheader("Эта неделя")
        _ack_caption(week.state, zone)
        st.page_link(
            "app_pages/cabinet_acknowledgements.py",
            label="Подтвердить ознакомление",
            icon=":material/task_alt:",
        )


# ---------------------------------------------------------------- sections


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
    _paragraphs([
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
            _paragraphs([
                f"{format_date(grade.lesson_date)} — **{grade.value}**, {grade.kind_title}, "
                f"вес {format_number(grade.weight)}"
                for grade in subject.grades
            ])


def _homework_list(items: list[lessons.HomeworkItem], *, empty: str) -> None:
    if not items:
        st.caption(empty)
        return
    def lines(item: lessons.HomeworkItem) -> list[str]:
        topic = f"  \n:small[:gray[Тема урока: {escape(item.topic)}]]" if item.topic else ""
        return [f"**{escape(item.subject)}**: {escape(item.homework)}{topic}"]

    _day_cards(items, lines)


def _day_cards(items: Sequence[Dated], lines: Callable[[Dated], list[str]]) -> None:
    """One bordered card per date, in the items' order, each item's lines from `lines`."""
    by_day: dict[date, list[Dated]] = defaultdict(list)
    for item in items:
        by_day[item.lesson_date].append(item)
    for day, day_items in by_day.items():
        with st.container(border=True):
            _paragraphs([f"**{day_label(day)}**", *(ln for i in day_items for ln in lines(i))])


def homework(actor: Actor, child: ChildRow) -> None:
    """Homework of the coming days, then of the past week."""
    on = today()
    with db_read(actor) as session:
        items = lessons.homework(session, actor, student_id=child.student_id, on=on)
    st.subheader("На ближайшие дни")
    _homework_list([i for i in items if i.lesson_date >= on], empty="Заданий пока нет.")
    st.subheader("За прошедшую неделю")
    _homework_list(
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

    _day_cards(items, lambda item: [_lesson_line(item), *_changes(item, zone)])


def tests(actor: Actor, child: ChildRow, period: calendar.PeriodRef) -> None:
    """The period's tests by date."""
    on = today()
    with db_read(actor) as session:
        items = lessons.tests_of_period(
            session, actor, student_id=child.student_id, period_id=period.period_id, on=on
        )
    if not items:
        st.info("Контрольных работ в этом периоде не запланировано.")
    _paragraphs([
        f"**{day_label(item.planned_on)}**{' (прошла)' if item.planned_on < on else ''} — "
        f"{escape(item.subject)}: "
        + (f"~~{escape(item.title)}~~" if item.cancel_reason is not None else escape(item.title))
        + (f" — :orange[{escape(item.change)}]" if item.change else "")
        for item in items
    ])


def teachers(actor: Actor, child: ChildRow) -> None:
    """Who teaches the child each subject, and the class teacher."""
    with db_read(actor) as session:
        rows = school.teachers_of_child(session, actor, student_id=child.student_id, on=today())
    lines = [f"Классный руководитель: **{escape(child.class_teacher)}**"]
    for row in rows:
        note = KIND_TITLES[row.kind]
        group = f"{note}: {escape(row.group)}" if row.kind != GroupKind.WHOLE_CLASS else note
        lines.append(f"**{escape(row.subject)}** — {escape(row.teacher)}  \n{group}")
    _paragraphs(lines)


def year_calendar(actor: Actor, child: ChildRow) -> None:
    """Reporting periods and holidays of the year."""
    on = today()
    with db_read(actor) as session:
        year = school.year_calendar(session, actor, student_id=child.student_id, on=on)
    st.subheader("Учебные периоды")
    _paragraphs([
        f"**{escape(period.name)}**: {format_date(period.starts_on)} – "
        f"{format_date(period.ends_on)}"
        + (" — идёт сейчас" if period.starts_on <= on <= period.ends_on else "")
        for period in year.periods
    ])
    st.subheader("Каникулы и праздничные дни")
    _paragraphs([
        f"**{_days(holiday.starts_on, holiday.ends_on)}** — {escape(holiday.name)}"
        for holiday in year.holidays
    ])


def _days(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return format_date(starts_on)
    return f"{format_date(starts_on)} – {format_date(ends_on)}"


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
    _paragraphs([counts, *(
        f"{day_label(item.lesson_date)}, {item.number}-й урок — {escape(item.subject)}: "
        f"**{item.mark.value}** ({item.title})"
        for item in found.items
    )])


def _sign_button(
    actor: Actor, label: str, key: str, sign: Callable[[Session], object], *,
    primary: bool = False,
) -> None:
    if not actor.can(Action.ACKNOWLEDGE):
        return
    if st.button(
        label, key=key, icon=":material/task_alt:", type="primary" if primary else "secondary"
    ):
        with reported_errors():
            with db(actor) as session:
                sign(session)
            st.rerun()


def recommendations(actor: Actor, child: ChildRow) -> None:
    """Teachers' recommendations, newest first; a guardian confirms each."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        items = record.recommendations_of(session, actor, student_id=child.student_id, on=on)
        # Only guardians acknowledge: a student is not shown a state they cannot change.
        signs = actor.can(Action.ACKNOWLEDGE)
        states = {
            item.item_id: item
            for item in (items_to_acknowledge(
                session, actor, student_id=child.student_id, on=on
            ) if signs else [])
            if item.kind is AckKind.RECOMMENDATION
        }
    if not items:
        st.info("Рекомендаций пока нет.")
    for rec in items:
        with st.container(border=True):
            st.caption(
                f"{format_timestamp(rec.created_at, zone)} · {escape(rec.subject)} · "
                f"{escape(rec.author)}"
            )
            st.text(rec.text)
            ack = states.get(rec.recommendation_id)
            if ack is not None:
                _ack_item(actor, child, ack, zone)


def _ack_item(actor: Actor, child: ChildRow, item: AckItem, zone: str) -> None:
    _ack_caption(item.state, zone)
    if item.state.acknowledged and not item.state.changed_since:
        return

    def sign(session: Session) -> None:
        acknowledge_item(
            session,
            actor,
            student_id=child.student_id,
            kind=item.kind,
            item_id=item.item_id,
            digest=item.digest,
            on=today(),
        )

    _sign_button(actor, "Ознакомлен(а)", f"ack_{item.kind}_{item.item_id}", sign)


def _week_sections(week: WeekContent, zone: str) -> list[tuple[str, list[str]]]:
    """The week's content as it will be signed, by kind: (title with count, lines)."""
    grades = [
        f"{format_date(grade.lesson_date)} — **{grade.mark}**, {escape(grade.subject)}"
        + (f", {GRADE_KIND_TITLES[grade.kind]}" if grade.kind else "")
        for grade in week.grades
    ]
    absences = [
        f"{format_date(absence.lesson_date)} — {escape(absence.subject)}: **{absence.mark}** "
        f"({ABSENCE_TITLES[AbsenceMark(absence.mark)]})"
        for absence in week.absences
    ]
    changed = [item for item in week.lessons if item.changes]
    changes = [
        line
        for item in changed
        for line in (f"{day_label(item.lesson_date)}: {_lesson_line(item)}",
                     *_changes(item, zone))
    ]
    return [
        (f"Оценки недели: {len(week.grades)}", grades),
        (f"Пропуски: {len(week.absences)}", absences),
        (f"Изменения расписания: {len(changed)}", changes),
    ]


def _folded(title: str, lines: Sequence[str]) -> None:
    """A collapsed section: the title with its count is enough to scan on a phone."""
    if not lines:
        st.markdown(title)
        return
    with st.expander(title):
        _paragraphs(lines)


def _pending(items: Sequence[AckItem]) -> list[AckItem]:
    return [i for i in items if not i.state.acknowledged or i.state.changed_since]


def acknowledgement(actor: Actor, child: ChildRow, monday: date) -> None:
    """The week and the single items, folded; one «Ознакомлен(а) со всем за неделю»."""
    on = today()
    zone = school_timezone()
    with db_read(actor) as session:
        status = week_status(
            session, actor, student_id=child.student_id, week_start=monday, on=on
        )
        items = items_to_acknowledge(
            session, actor, student_id=child.student_id, on=on
        )
    week = status.content
    _ack_caption(status.state, zone)
    for title, lines in _week_sections(week, zone):
        _folded(title, lines)
    homework_count = sum(1 for item in week.lessons if item.homework)
    st.markdown(f"Домашних заданий: {homework_count} (см. «Домашние задания»)")
    pending = _pending(items)
    st.markdown("**Требуют отдельного подтверждения**")
    if not pending:
        st.caption("Всё подтверждено.")
    for kind, title in ITEM_TITLES.items():
        of_kind = [item for item in pending if item.kind is kind]
        _folded(f"{title}: {len(of_kind)}", [
            f"**{escape(item.title)}**: {escape(item.detail)}"
            + (" — :orange[изменено после подтверждения]" if item.state.changed_since else "")
            for item in of_kind
        ])
    week_open = monday <= on and (not status.state.acknowledged or status.state.changed_since)
    if not week_open and not pending:
        return

    def sign(session: Session) -> None:
        acknowledge_all(
            session,
            actor,
            student_id=child.student_id,
            week_start=monday,
            week_digest=week.digest,
            items=[(item.kind, item.item_id, item.digest) for item in pending],
            on=on,
        )

    _sign_button(actor, ACKNOWLEDGE_ALL, "ack_all", sign, primary=True)
