"""Printed reports: the analytical report of a class (A4 landscape: its tables are wide)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.fonts import FontFace

from klassruk.pdf import FONT, new_document
from klassruk.services.journal.common import without_marks_note
from klassruk.services.reports.analytical import AnalyticalReport
from klassruk.services.reports.metrics import FOOTNOTES, Metrics, format_percent
from klassruk.text.formatting import format_average, format_date

MARGIN = 12.0
HEADING = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)


def _table(
    pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> None:
    """A table that breaks across pages, repeating its heading row."""
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=HEADING,
        line_height=4.6,
        text_align="LEFT",
        repeat_headings=1,
    ) as table:
        table.row(list(headers))
        for row in rows:
            table.row([str(cell) for cell in row])


def metric_cells(metrics: Metrics | None) -> list[str]:
    """N, успеваемость, качество, СОУ, средний балл as printed."""
    if metrics is None:
        return ["—"] * 5
    return [
        str(metrics.counted),
        format_percent(metrics.success),
        format_percent(metrics.quality),
        format_percent(metrics.sou),
        format_average(metrics.average),
    ]


METRIC_HEADERS = ("N", "Успеваемость", "Качество", "СОУ", "Ср. балл")


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "нет"


def _attendance_only(pdf: FPDF, report: AnalyticalReport) -> None:
    """A class taught without marks: what it is instead of dashes, then each pupil's absences."""
    pdf.multi_cell(0, 5, without_marks_note(report.class_name), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Посещаемость")
    pdf.multi_cell(
        0,
        5,
        f"Пропущено уроков: {report.missed}, из них по уважительной причине: {report.excused}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    rows = [
        [
            line.name,
            str(line.missed),
            str(line.excused),
            ", ".join(f"{s.subject}: {s.missed}" for s in line.subjects if s.missed) or "—",
        ]
        for line in report.students
    ]
    _table(
        pdf,
        ("Обучающийся", "Пропущено уроков", "Из них по уважит. причине", "По предметам"),
        rows,
        (70, 35, 45, 123),
    )


def render_analytical_report(report: AnalyticalReport) -> bytes:
    """The report as a PDF: metrics by subject and overall, lists, attendance, every pupil."""
    title = f"Аналитический отчёт: {report.class_name} класс, {report.period}"
    pdf = new_document(title, margin=MARGIN, orientation="landscape")
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    before = report.previous_period or "—"
    pdf.multi_cell(
        0,
        5,
        f"Состав класса на {format_date(report.on)}; предыдущий период: {before}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if report.without_marks:
        _attendance_only(pdf, report)
        return bytes(pdf.output())
    _heading(pdf, "Класс в целом")
    _table(
        pdf,
        ("Период", *METRIC_HEADERS),
        [
            [report.period, *metric_cells(report.overall)],
            [before, *metric_cells(report.previous_overall)],
        ],
        (60, 20, 30, 30, 30, 30),
    )
    _heading(pdf, "По предметам (в скобках — предыдущий период)")
    rows = []
    for line in report.subjects:
        now, was = metric_cells(line.current), metric_cells(line.previous)
        rows.append(
            [
                line.subject,
                line.teachers or "—",
                now[0],
                *(f"{a} ({b})" for a, b in zip(now[1:], was[1:], strict=True)),
                str(line.unmarked),
            ]
        )
    _table(
        pdf,
        ("Предмет", "Учитель", "N", "Успеваемость", "Качество", "СОУ", "Ср. балл", "Не аттест."),
        rows,
        (46, 46, 10, 35, 35, 35, 33, 33),
    )
    _heading(pdf, "Обучающиеся по итогам периода")
    _table(
        pdf,
        ("Список", "Обучающиеся"),
        [
            ("Отличники", _names(report.excellent)),
            ("Хорошисты", _names(report.good)),
            ("С одной «4»", _names(report.one_four)),
            ("С одной «3»", _names(report.one_three)),
            ("Неуспевающие", _names(report.failing)),
        ],
        (45, 228),
    )
    _heading(pdf, "Посещаемость и группа риска")
    pdf.multi_cell(
        0,
        5,
        f"Пропущено уроков: {report.missed}, из них по уважительной причине: {report.excused}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if report.at_risk:
        _table(pdf, ("Обучающийся", "Причина"), report.at_risk, (70, 203))
    else:
        pdf.multi_cell(0, 5, "Обучающихся группы риска нет.", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "По каждому обучающемуся")
    for student in report.students:
        pdf.set_font(FONT, "B", 9.5)
        pdf.multi_cell(
            0,
            5.5,
            f"{student.name}: средний балл {format_average(student.average)}, пропущено "
            f"{student.missed} (по уважительной причине {student.excused})",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        _table(
            pdf,
            ("Предмет", "Отметки", "Ср. балл", "Итог", "Отметка", "Пред.", "Динамика", "Пропуски"),
            [
                [
                    s.subject,
                    s.grades or "—",
                    format_average(s.average),
                    str(s.period_grade or "—"),
                    str(s.mark or "—"),
                    str(s.previous_mark or "—"),
                    s.dynamics or "—",
                    str(s.missed),
                ]
                for s in student.subjects
            ],
            (50, 95, 20, 16, 18, 16, 22, 36),
        )
    _heading(pdf, "Определения")
    pdf.set_font(FONT, "", 8)
    for number, note in enumerate(FOOTNOTES, 1):
        pdf.multi_cell(0, 4.2, f"{number}. {note}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass(frozen=True)
class PrintedTable:
    """A table to print: a heading, column titles and rows of text.

    The first `fixed` columns (the pupil's name) repeat when a wide table is split into
    parts of at most `per_part` other columns (a journal has forty lesson columns a period).
    """

    heading: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    fixed: int = 1
    per_part: int = 22


FIRST_COLUMN = 52.0


def _parts(table: PrintedTable) -> list[tuple[list[int], str]]:
    others = list(range(table.fixed, len(table.headers)))
    if len(others) <= table.per_part:
        return [(list(range(len(table.headers))), table.heading)]
    chunks = [others[i : i + table.per_part] for i in range(0, len(others), table.per_part)]
    return [
        (list(range(table.fixed)) + chunk, f"{table.heading} (часть {n} из {len(chunks)})")
        for n, chunk in enumerate(chunks, 1)
    ]


def render_tables(title: str, tables: Sequence[PrintedTable], *, subtitle: str = "") -> bytes:
    """Tables on A4 landscape pages (the journal, a pupil's card): what the screen shows."""
    pdf = new_document(title, margin=MARGIN, orientation="landscape")
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_page()
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        for columns, heading in _parts(table):
            _heading(pdf, heading)
            if not table.rows:
                pdf.multi_cell(0, 5, "Нет данных.", new_x="LMARGIN", new_y="NEXT")
                continue
            first = min(FIRST_COLUMN, pdf.epw / len(columns) * 2)
            rest = (pdf.epw - first) / max(len(columns) - 1, 1)
            widths = [first] + [rest] * (len(columns) - 1)
            _table(
                pdf,
                [table.headers[i] for i in columns],
                [[str(row[i]) for i in columns] for row in table.rows],
                widths,
            )
    return bytes(pdf.output())
