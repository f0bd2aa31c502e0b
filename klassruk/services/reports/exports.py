"""Reports as spreadsheets (XLSX): every text cell kept from becoming a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from klassruk.services.journal.common import without_marks_note
from klassruk.services.reports.analytical import AnalyticalReport
from klassruk.services.reports.metrics import FOOTNOTES, Metrics
from klassruk.services.spreadsheets import export_cell
from klassruk.text.formatting import format_date

METRIC_HEADERS = ("N", "Успеваемость, %", "Качество, %", "СОУ, %", "Средний балл")


def _metric_values(metrics: Metrics | None) -> list[object]:
    if metrics is None:
        return [None] * 5
    return [metrics.counted, metrics.success, metrics.quality, metrics.sou, metrics.average]


def _sheet(
    book: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Names and subjects are user text: «=…» must stay text in the spreadsheet.
        sheet.append([export_cell(value) for value in row])
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)


def tables_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    """Any tables as a workbook, one sheet each (the journal, a pupil's card)."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for title, headers, rows in sheets:
        # Sheet names are unique and at most 31 characters in Excel.
        clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
        name, number = clean[:31], 2
        while name in used:
            name, number = f"{clean[:27]} ({number})", number + 1
        used.add(name)
        _sheet(book, name, headers, rows)
    return _to_bytes(book)


def _to_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _attendance_sheets(book: Workbook, report: AnalyticalReport) -> None:
    """A class taught without marks: the note and the absences, per pupil and per subject."""
    _sheet(
        book,
        "Класс",
        (
            "Класс",
            "Период",
            "Пропущено уроков",
            "Из них по уважительной причине",
            "Состав на",
            "Обучение",
        ),
        [
            [
                report.class_name,
                report.period,
                report.missed,
                report.excused,
                format_date(report.on),
                without_marks_note(report.class_name),
            ]
        ],
    )
    _sheet(
        book,
        "Обучающиеся",
        ("Обучающийся", "Предмет", "Пропущено уроков"),
        [
            [student.name, s.subject, s.missed]
            for student in report.students
            for s in student.subjects
        ],
    )


def analytical_report_xlsx(report: AnalyticalReport) -> bytes:
    """The analytical report as a workbook: summary, subjects, lists, pupils, definitions."""
    book = Workbook()
    book.remove(book.active)
    if report.without_marks:
        _attendance_sheets(book, report)
        return _to_bytes(book)
    before = report.previous_period or "—"
    _sheet(
        book,
        "Класс",
        (
            "Класс",
            "Период",
            *METRIC_HEADERS,
            "Пропущено уроков",
            "Из них по уважительной причине",
            "Состав на",
        ),
        [
            [
                report.class_name,
                report.period,
                *_metric_values(report.overall),
                report.missed,
                report.excused,
                format_date(report.on),
            ],
            [report.class_name, before, *_metric_values(report.previous_overall), None, None, None],
        ],
    )
    _sheet(
        book,
        "Предметы",
        (
            "Предмет",
            "Учитель",
            *METRIC_HEADERS,
            "n5",
            "n4",
            "n3",
            "n2",
            "n1",
            "Не аттестованы",
            *(f"{h} ({before})" for h in METRIC_HEADERS),
        ),
        [
            [
                line.subject,
                line.teachers,
                *_metric_values(line.current),
                *(line.counts.of(v) for v in (5, 4, 3, 2, 1)),
                line.unmarked,
                *_metric_values(line.previous),
            ]
            for line in report.subjects
        ],
    )
    lists = (
        ("Отличники", report.excellent),
        ("Хорошисты", report.good),
        ("С одной «4»", report.one_four),
        ("С одной «3»", report.one_three),
        ("Неуспевающие", report.failing),
    )
    _sheet(
        book,
        "Списки",
        ("Список", "Обучающийся"),
        [[title, name] for title, names in lists for name in names]
        + [["Группа риска", f"{name}: {reason}"] for name, reason in report.at_risk],
    )
    _sheet(
        book,
        "Обучающиеся",
        (
            "Обучающийся",
            "Предмет",
            "Отметки",
            "Средний балл",
            "Итоговая",
            "Отметка за период",
            f"Отметка ({before})",
            "Динамика",
            "Пропущено уроков",
        ),
        [
            [
                student.name,
                s.subject,
                s.grades,
                s.average,
                s.period_grade,
                s.mark,
                s.previous_mark,
                s.dynamics,
                s.missed,
            ]
            for student in report.students
            for s in student.subjects
        ],
    )
    _sheet(book, "Определения", ("Определения",), [[note] for note in FOOTNOTES])
    return _to_bytes(book)
