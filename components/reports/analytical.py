"""The analytical report screens: the deputy head builds and sends, the class teacher reads."""

# Usage: `draw_sender(actor)` (deputy head: pick a class or all, preview, send, see who read),
# `draw_inbox(actor)` (class teacher: reports received, new ones marked; opening one marks it
# read). `draw_report(report)` draws a report with its PDF and XLSX downloads.

from __future__ import annotations

import streamlit as st

from components.kit.feedback import act, reported_errors
from components.kit.pickers import class_picker, period_picker
from components.kit.runtime import db, db_read
from components.kit.school import school_timezone, today
from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.access.permissions import Action, Actor
from klassruk.pdf.reports import render_analytical_report
from klassruk.services.journal.common import without_marks_note
from klassruk.services.reports import analytical, sending
from klassruk.services.reports.analytical import AnalyticalReport, StudentLine
from klassruk.services.reports.exports import analytical_report_xlsx
from klassruk.services.reports.metrics import FOOTNOTES, Metrics, format_percent
from klassruk.services.reports.sending import SentRow
from klassruk.text.formatting import format_average, format_timestamp

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _delta(now: float | None, was: float | None, unit: str) -> str | None:
    if now is None or was is None:
        return None
    return f"{now - was:+.{1 if unit else 2}f}".replace(".", ",") + unit


def _metrics_row(now: Metrics, was: Metrics | None, previous: str | None) -> None:
    columns = st.columns(4)
    before = was or Metrics(0, None, None, None, None)
    pairs = (
        ("Успеваемость", now.success, before.success, " п. п."),
        ("Качество знаний", now.quality, before.quality, " п. п."),
        ("СОУ", now.sou, before.sou, " п. п."),
    )
    for column, (label, value, old, unit) in zip(columns, pairs, strict=False):
        column.metric(label, format_percent(value), _delta(value, old, unit))
    columns[3].metric(
        "Средний балл", format_average(now.average), _delta(now.average, before.average, "")
    )
    if previous:
        st.caption(f"Изменение — по сравнению с периодом «{escape(previous)}».")


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "нет"


def draw_report(report: AnalyticalReport, *, key: str) -> None:
    """A report: overall, by subject, lists, attendance, risk, each pupil; PDF and XLSX."""
    st.subheader(f"{escape(report.class_name)} класс, {escape(report.period)}")
    if report.without_marks:
        _attendance_report(report, key=key)
    else:
        _marks_report(report, key=key)
    name = f"analiticheskiy_otchet_{report.class_name}_{report.period}".replace(" ", "_")
    left, right = st.columns(2)
    # Built when clicked: a page run does not pay for a PDF nobody downloads.
    left.download_button(
        "Скачать PDF",
        lambda: render_analytical_report(report),
        f"{name}.pdf",
        PDF,
        key=f"{key}_pdf",
        icon=":material/picture_as_pdf:",
    )
    right.download_button(
        "Скачать XLSX",
        lambda: analytical_report_xlsx(report),
        f"{name}.xlsx",
        XLSX,
        key=f"{key}_xlsx",
        icon=":material/download:",
    )


def _pupil(report: AnalyticalReport, *, key: str) -> StudentLine | None:
    """The pupil chosen to look at, or None in a class without pupils."""
    by_id = {line.student_id: line for line in report.students}
    if not by_id:
        return None
    chosen = st.selectbox(
        "Обучающийся", list(by_id), format_func=lambda i: by_id[i].name, key=f"{key}_student"
    )
    return by_id[chosen]


def _attendance_report(report: AnalyticalReport, *, key: str) -> None:
    """A class taught without marks: what it is instead of dashes, then attendance per pupil."""
    st.info(escape(without_marks_note(report.class_name)))
    st.markdown(
        f"**Посещаемость:** пропущено уроков — {report.missed}, из них по уважительной "
        f"причине — {report.excused}."
    )
    show_table(
        {
            "Обучающийся": [line.name for line in report.students],
            "Пропущено уроков": [line.missed for line in report.students],
            "Из них по уважительной причине": [line.excused for line in report.students],
        },
        key=f"{key}_attendance",
        empty="В классе нет обучающихся.",
    )
    line = _pupil(report, key=key)
    if line is not None:
        st.caption(
            f"Безотметочное обучение. Пропущено уроков: {line.missed}, из них по "
            f"уважительной причине: {line.excused}."
        )
        show_table(
            {
                "Предмет": [s.subject for s in line.subjects],
                "Пропуски": [s.missed for s in line.subjects],
            },
            key=f"{key}_card",
            empty="Пропусков нет.",
        )


def _marks_report(report: AnalyticalReport, *, key: str) -> None:
    """A class taught with marks: metrics, subjects, lists, attendance, risk, each pupil."""
    _metrics_row(report.overall, report.previous_overall, report.previous_period)
    before = report.previous_period or "предыдущий период"
    st.markdown("**По предметам**")
    show_table(
        {
            "Предмет": [s.subject for s in report.subjects],
            "Учитель": [s.teachers for s in report.subjects],
            "N": [s.current.counted for s in report.subjects],
            "Успеваемость": [format_percent(s.current.success) for s in report.subjects],
            "Качество": [format_percent(s.current.quality) for s in report.subjects],
            "СОУ": [format_percent(s.current.sou) for s in report.subjects],
            "Средний балл": [format_average(s.current.average) for s in report.subjects],
            f"Качество ({before})": [
                format_percent(s.previous.quality) if s.previous else "—" for s in report.subjects
            ],
            f"Средний балл ({before})": [
                format_average(s.previous.average) if s.previous else "—" for s in report.subjects
            ],
            "Не аттестованы": [s.unmarked for s in report.subjects],
        },
        key=f"{key}_subjects",
    )
    show_table(
        {
            "Список": ["Отличники", "Хорошисты", "С одной «4»", "С одной «3»", "Неуспевающие"],
            "Обучающиеся": [
                _names(report.excellent),
                _names(report.good),
                _names(report.one_four),
                _names(report.one_three),
                _names(report.failing),
            ],
        },
        key=f"{key}_lists",
    )
    st.markdown(
        f"**Посещаемость:** пропущено уроков — {report.missed}, из них по уважительной "
        f"причине — {report.excused}."
    )
    if report.at_risk:
        st.markdown("**Группа риска**")
        show_table(
            {
                "Обучающийся": [n for n, _ in report.at_risk],
                "Причина": [r for _, r in report.at_risk],
            },
            key=f"{key}_risk",
        )
    line = _pupil(report, key=key)
    if line is not None:
        # Label and figure, so a dash reads as well as a number («Средний балл —;» did not).
        st.caption(
            f"Средний балл: {format_average(line.average)}. Пропущено уроков: "
            f"{line.missed}, из них по уважительной причине: {line.excused}."
        )
        show_table(
            {
                "Предмет": [s.subject for s in line.subjects],
                "Отметки": [s.grades for s in line.subjects],
                "Средний балл": [format_average(s.average) for s in line.subjects],
                "Итоговая": [s.period_grade for s in line.subjects],
                "Отметка": [s.mark for s in line.subjects],
                f"Отметка ({before})": [s.previous_mark for s in line.subjects],
                "Динамика": [s.dynamics for s in line.subjects],
                "Пропуски": [s.missed for s in line.subjects],
            },
            key=f"{key}_card",
        )
    with st.expander("Как считаются показатели"):
        for note in FOOTNOTES:
            st.caption(note)


def _sent_table(rows: list[SentRow], *, key: str) -> None:
    zone = school_timezone()
    show_table(
        {
            "Класс": [r.class_name for r in rows],
            "Период": [r.period for r in rows],
            "Отправлен": [format_timestamp(r.sent_at, zone) for r in rows],
            "Отправил(а)": [r.sent_by for r in rows],
            "Прочитан": [
                format_timestamp(r.read_at, zone) if r.read_at else "не прочитан" for r in rows
            ],
            "Кем": [r.read_by for r in rows],
        },
        key=key,
    )


def draw_sender(actor: Actor) -> None:
    """The deputy head: a class's live report, sending it (or every class's), read receipts."""
    left, right = st.columns(2)
    with left:
        choice = class_picker(actor, Action.SEND_ANALYTICAL_REPORT, key="ar_class")
    with right:
        period = period_picker(actor, today(), key="ar_period")
    if choice is None or period is None:
        return
    send, send_all = st.columns(2)
    if send.button(
        f"Отправить отчёт {choice.name} классному руководителю",
        key="ar_send",
        icon=":material/send:",
    ):
        act(
            actor,
            lambda s: sending.send_analytical_report(
                s, actor, class_id=choice.class_id, period_id=period.period_id, on=today()
            ),
            f"Отчёт {choice.name} класса за период «{period.name}» отправлен.",
        )
    if send_all.button(
        "Отправить отчёты всех классов", key="ar_send_all", icon=":material/forward_to_inbox:"
    ):
        act(
            actor,
            lambda s: sending.send_to_all_classes(s, actor, period_id=period.period_id, on=today()),
            lambda n: f"Отправлено отчётов за период «{period.name}»: {n}.",
        )
    with st.expander("Отправленные отчёты и отметки о прочтении", expanded=True):
        with db_read(actor) as session:
            rows = sending.sent_reports(session, actor)
        if rows:
            read = sum(1 for row in rows if row.read_at is not None)
            st.caption(f"Прочитано отчётов: {read} из {len(rows)}.")
            _sent_table(rows, key="ar_sent")
        else:
            st.caption("Отчётов ещё не отправляли.")
    with reported_errors():
        with db_read(actor) as session:
            report = analytical.analytical_report(
                session, actor, class_id=choice.class_id, period_id=period.period_id, on=today()
            )
        draw_report(report, key="ar_live")


def draw_inbox(actor: Actor) -> None:
    """The class teacher: received reports (new ones first marked); opening marks it read."""
    with db_read(actor) as session:
        rows = sending.sent_reports(session, actor)
    if not rows:
        st.info("Аналитических отчётов от заместителя директора пока нет.")
        return
    zone = school_timezone()
    by_id = {row.report_id: row for row in rows}

    def title(report_id: int) -> str:
        row = by_id[report_id]
        new = "новый · " if row.read_at is None else ""
        return f"{new}{row.class_name}, {row.period}, от {format_timestamp(row.sent_at, zone)}"

    chosen = st.selectbox(
        "Отчёт",
        list(by_id),
        format_func=title,
        index=None,
        placeholder="Выберите отчёт",
        key="ar_inbox",
    )
    unread = sum(1 for row in rows if row.read_at is None)
    if unread:
        st.caption(f"Новых отчётов: {unread}.")
    if chosen is None:
        return
    with reported_errors():
        with db_read(actor) as session:
            report = sending.open_sent_report(session, actor, report_id=chosen)
        if by_id[chosen].read_at is None:
            # One write, the first time only: later reruns of the open report stay reads.
            with db(actor) as session:
                sending.mark_read(session, actor, report_id=chosen)
        draw_report(report, key=f"ar_{chosen}")
