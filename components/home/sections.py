"""Home page sections, one per role."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from components.family import cabinet, home
from components.journal.teacher_day import teacher_day_section
from components.kit.pickers import NO_CLASS, child_picker
from components.kit.runtime import db_read
from components.kit.school import address_warning, today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import ROLE_TITLES, Action, Actor, Role
from klassruk.models.accounts import ACCOUNT_STATUS_TITLES
from klassruk.services import overview
from klassruk.services.extracts.schedule import due_extracts
from klassruk.services.notifications.inbox import unread_count
from klassruk.services.reports import sending
from klassruk.text.formatting import format_date, format_number


def _school(actor: Actor) -> None:
    if actor.can(Action.MANAGE_SCHOOL_STRUCTURE):
        address_warning(actor)
    with db_read(actor) as session:
        counts = overview.school_counts(session, actor, on=today())
    st.caption(f"Учебный год {counts.school_year}")
    columns = st.columns(6)
    figures = [
        ("Классов", counts.classes),
        ("Обучающихся", counts.students),
        ("Родителей", counts.guardians),
        ("Сотрудников", counts.staff),
        ("Предметов", counts.subjects),
        ("Учебных групп", counts.study_groups),
    ]
    for column, (label, value) in zip(columns, figures, strict=True):
        column.metric(label, value)
    left, right = st.columns(2)
    with left:
        show_table(
            {
                "Роль": [ROLE_TITLES[r] for r in counts.accounts_by_role],
                "Учётных записей": list(counts.accounts_by_role.values()),
            },
            empty="Учётных записей пока нет.",
        )
    with right:
        show_table(
            {
                "Состояние": [ACCOUNT_STATUS_TITLES[s] for s in counts.accounts_by_status],
                "Учётных записей": list(counts.accounts_by_status.values()),
            },
            empty="Учётных записей пока нет.",
        )


def _class_teacher(actor: Actor) -> None:
    with db_read(actor) as session:
        classes = overview.class_summaries(session, actor, on=today())
    if not classes:
        st.info(NO_CLASS)
        return
    for summary in classes:
        st.subheader(f"{escape(summary.name)} класс")
        columns = st.columns(4)
        columns[0].metric("Обучающихся", summary.students)
        columns[1].metric("Родителей", summary.guardians)
        # Issued credentials say little: an account counts once its owner activated it.
        columns[2].metric(
            "Обучающихся вошли", f"{summary.students_activated} из {summary.students}",
            help="Активировали учётную запись: вошли по коду и задали свой пароль.",
        )
        columns[3].metric(
            "Родителей вошли", f"{summary.guardians_activated} из {summary.guardians}",
            help="Активировали учётную запись: вошли по коду и задали свой пароль.",
        )
        st.caption(
            f"Реквизиты выданы: обучающимся — {summary.students_with_account}, "
            f"родителям — {summary.guardians_with_account}."
        )
    st.page_link("app_pages/my_class.py", label="Список класса", icon=":material/groups:")
    _new_reports(actor)
    _extracts_due(actor)


def _new_reports(actor: Actor) -> None:
    with db_read(actor) as session:
        unread = sending.sent_reports(session, actor, unread_only=True)
    if unread:
        names = ", ".join(f"{row.class_name} ({row.period})" for row in unread)
        st.info(f"Новый аналитический отчёт от заместителя директора: {escape(names)}.",
                icon=":material/analytics:")
        st.page_link("app_pages/analytical_reports.py", label="Открыть аналитические отчёты",
                     icon=":material/analytics:")


def _extracts_due(actor: Actor) -> None:
    with db_read(actor) as session:
        due = due_extracts(session, actor, on=today())
    for item in due:
        st.warning(
            f"Пора выдать бумажные выписки {escape(item.class_name)} класса за "
            f"{format_date(item.date_from)}–{format_date(item.date_to)}: "
            f"семей без выписки — {len(item.families)}.",
            icon=":material/print:",
        )
    if due:
        st.page_link("app_pages/extracts.py", label="Бумажные выписки", icon=":material/print:")


def _teacher(actor: Actor) -> None:
    teacher_day_section(actor, today())
    with db_read(actor) as session:
        load = overview.own_teaching_load(session, actor, on=today())
    if not load:
        st.info("Учебная нагрузка вам пока не назначена.")
        return
    st.metric("Часов в неделю", format_number(sum(row.hours_per_week for row in load)))
    show_table(
        {
            "Группа": [row.group for row in load],
            "Предмет": [row.subject for row in load],
            "Часов в неделю": [row.hours_per_week for row in load],
            "Обучающихся": [row.students for row in load],
        },
        numbers=["Часов в неделю"],
    )


def _family(actor: Actor) -> None:
    with db_read(actor) as session:
        unread = unread_count(session, actor, on=today())
    if unread:
        st.info(f"Новых сообщений школы: {unread} — на странице «Уведомления».",
                icon=":material/notifications:")
    child = child_picker(actor, today())
    if child is not None:
        cabinet.open_screen(actor, child, "home")
        home.summary(actor, child)


SECTIONS: dict[Role, Callable[[Actor], None]] = {
    Role.ADMIN: _school,
    Role.DEPUTY_HEAD: _school,
    Role.CLASS_TEACHER: _class_teacher,
    Role.TEACHER: _teacher,
    Role.GUARDIAN: _family,
    Role.STUDENT: _family,
}
