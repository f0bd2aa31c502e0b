"""An analytical report on screen: metrics, lists, a pupil's line, its PDF and XLSX downloads."""

# Usage: `draw_report(report, key=…)`; the screens that send and receive reports are in
# `components.reports.analytical_sending`.

from __future__ import annotations

import streamlit as st

from components.kit.tables import show_table
from components.kit.text import escape
from klassruk.pdf.reports import render_analytical_report
from klassruk.services.journal.common import without_marks_note
from klassruk.services.reports.analytical import AnalyticalReport, StudentLine
from klassruk.services.reports.exports import analytical_report_xlsx
from klassruk.services.reports.metrics import FOOTNOTES, Metrics, format_percent
from klassruk.text.formatting import format_average

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
