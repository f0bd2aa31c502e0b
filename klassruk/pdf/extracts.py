"""Paper extracts from the journal: A4, black and white, with a tear-off acknowledgement slip."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from fpdf import FPDF

from klassruk.formatting import format_date, format_timestamp
from klassruk.models.journal import GRADE_KIND_SUFFIXES, GRADE_KIND_TITLES, GradeKind
from klassruk.pdf import FONT, new_document
from klassruk.services.extracts import DatedLine, ExtractContent, ExtractSubject

MARGIN = 15.0
SLIP_HEIGHT = 38.0
LINE = 4.6
COLUMNS = (44.0, 94.0, 14.0, 12.0, 16.0)  # subject, grades, average, period grade, absences
HEADERS = ("Предмет", "Оценки (дата: оценки)", "Ср. балл", "Итог", "Пропуски")
SLIP_TITLE = "С информацией ознакомлен(а)"
LEGEND = "Вид работы: " + "; ".join(
    f"{GRADE_KIND_SUFFIXES[kind] or 'без буквы'} — {GRADE_KIND_TITLES[kind]}" for kind in GradeKind
) + ". Средний балл — взвешенный (контрольные весят больше)."


# Word widths per font: fpdf2's multi_cell re-measures the whole line for every character.
_WIDTHS: dict[tuple[str, str, float, str], float] = {}
_WIDTHS_LIMIT = 100_000


def _width(pdf: FPDF, word: str) -> float:
    key = (pdf.font_family, pdf.font_style, pdf.font_size_pt, word)
    found = _WIDTHS.get(key)
    if found is None:
        if len(_WIDTHS) > _WIDTHS_LIMIT:
            _WIDTHS.clear()
        found = _WIDTHS[key] = pdf.get_string_width(word)
    return found


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Greedy word wrap in the current font; a word longer than the line stays whole."""
    room = width - 2 * pdf.c_margin
    space = _width(pdf, " ")
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split():
        word_width = _width(pdf, word)
        if line and used + space + word_width > room:
            lines.append(" ".join(line))
            line, used = [], 0.0
        used += word_width + (space if line else 0.0)
        line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines or [""]


def _put(pdf: FPDF, x: float, y: float, width: float, height: float, line: str,
         centred: bool = False) -> None:
    """One line of text in a box; pdf.text is much cheaper than a cell per line."""
    if centred:
        x += (width - _width(pdf, line)) / 2
    else:
        x += pdf.c_margin
    pdf.text(x, y + height * 0.72, line)


def _paragraph(pdf: FPDF, text: str, height: float) -> None:
    """Wrapped text across the page, breaking to a new page before the slip's strip."""
    for line in _wrap(pdf, text, pdf.epw):
        _room_for(pdf, height)
        _put(pdf, pdf.l_margin, pdf.get_y(), pdf.epw, height, line)
        pdf.set_xy(pdf.l_margin, pdf.get_y() + height)


def _grades_text(subject: ExtractSubject) -> str:
    days = []
    for day, grades in groupby(subject.grades, key=lambda g: g.on):
        marks = " ".join(f"{g.value}{GRADE_KIND_SUFFIXES[g.kind]}" for g in grades)
        days.append(f"{day.strftime('%d.%m')}: {marks}")
    return "; ".join(days) or "—"


def _average(value: float | None) -> str:
    return f"{value:.2f}".replace(".", ",") if value is not None else "—"


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _room_for(pdf: FPDF, height: float) -> None:
    # Content never runs into the slip's strip at the bottom of the page.
    if pdf.get_y() + height > pdf.h - MARGIN - SLIP_HEIGHT:
        pdf.add_page()


def _table(pdf: FPDF, subjects: list[ExtractSubject]) -> None:
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    _room_for(pdf, 2 * LINE + 6)
    for width, header in zip(COLUMNS, HEADERS, strict=True):
        pdf.cell(width, 6, header, border=1, align="C")
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    if not subjects:
        pdf.cell(sum(COLUMNS), LINE + 1, "Оценок и пропусков за этот период нет.", border=1,
                 new_x="LMARGIN", new_y="NEXT")
        return
    for subject in subjects:
        cells = (
            subject.subject,
            _grades_text(subject),
            _average(subject.average),
            str(subject.period_grade) if subject.period_grade is not None else "—",
            str(subject.absences) if subject.absences else "—",
        )
        pdf.set_font(FONT, "", 9)
        wrapped = [_wrap(pdf, text, width) for width, text in zip(COLUMNS, cells, strict=True)]
        height = max(len(lines) for lines in wrapped) * LINE + 1.2
        _room_for(pdf, height)
        y = pdf.get_y()
        x = pdf.l_margin
        for index, (width, lines) in enumerate(zip(COLUMNS, wrapped, strict=True)):
            pdf.rect(x, y, width, height)
            pdf.set_font(FONT, "B" if index == 3 else "", 9)
            for number, line in enumerate(lines):
                _put(pdf, x, y + 0.6 + number * LINE, width, LINE, line, centred=index >= 2)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)
    pdf.set_font(FONT, "I", 7.5)
    _paragraph(pdf, LEGEND, 3.4)


def _lines(pdf: FPDF, title: str, lines: Sequence[DatedLine], empty: str) -> None:
    _room_for(pdf, 6 + LINE)
    _heading(pdf, title)
    if not lines:
        pdf.cell(0, LINE, empty, new_x="LMARGIN", new_y="NEXT")
        return
    # One paragraph per day keeps a week of homework on the extract's first page.
    for day, of_day in groupby(lines, key=lambda line: line.on):
        items = "; ".join(f"{line.subject} — {line.text}" for line in of_day)
        _paragraph(pdf, f"{day.strftime('%d.%m')}: {items}", LINE)


def _slip(pdf: FPDF, extract: ExtractContent, school_name: str) -> None:
    top = pdf.h - MARGIN - SLIP_HEIGHT
    width = pdf.w - 2 * MARGIN
    with pdf.local_context():
        pdf.set_draw_color(90)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.line(MARGIN, top, MARGIN + width, top)
    pdf.set_font(FONT, "I", 7)
    pdf.set_xy(MARGIN, top - 3.5)
    pdf.cell(width, 3, "линия отреза — талон верните классному руководителю", align="R")
    pdf.set_xy(MARGIN, top + 3)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(width, 5, f"Талон к выписке № {extract.number} · {school_name}",
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        width, LINE,
        f"Обучающийся: {extract.student}, {extract.class_name} класс; сведения с "
        f"{format_date(extract.date_from)} по {format_date(extract.date_to)}.",
        new_x="LMARGIN", new_y="NEXT",
    )
    pdf.ln(3)
    pdf.set_font(FONT, "B", 10)
    lead, blank = f"{SLIP_TITLE}:  ", "____________________"
    pdf.cell(width, 6, f"{lead}{blank}  / {extract.guardian} /   «___» ____________ 20__ г.",
             new_x="LMARGIN", new_y="NEXT")
    signature_x = MARGIN + pdf.get_string_width(lead)
    signature_width = pdf.get_string_width(blank)
    pdf.set_font(FONT, "I", 7)
    pdf.set_x(signature_x - 10)
    pdf.cell(signature_width + 20, 3, "подпись родителя (законного представителя)", align="C")


def _extract(pdf: FPDF, extract: ExtractContent, school_name: str, timezone: str) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, LINE, school_name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(0, 7, f"Выписка из электронного журнала № {extract.number}",
             new_x="LMARGIN", new_y="NEXT")
    if extract.reprint_of is not None:
        pdf.set_font(FONT, "I", 9)
        pdf.cell(0, LINE, f"Повторная печать взамен выписки № {extract.reprint_of}",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    period = f" ({extract.period})" if extract.period else ""
    for label, value in (
        ("Обучающийся", f"{extract.student}, {extract.class_name} класс"),
        ("Сведения", f"с {format_date(extract.date_from)} по {format_date(extract.date_to)}"
                     f"{period}"),
        ("Кому", f"{extract.guardian}, родителю (законному представителю)"),
        ("Классный руководитель", extract.class_teacher),
        ("Дата печати", format_timestamp(extract.printed_at, timezone)),
    ):
        pdf.set_font(FONT, "", 10)
        pdf.cell(44, 5.2, f"{label}:")
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 5.2, value, new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Успеваемость")
    _table(pdf, extract.subjects)
    _lines(pdf, "Пропуски уроков", extract.absences, "Пропусков нет.")
    _lines(pdf, "Домашние задания", extract.homework, "Домашних заданий нет.")
    _lines(pdf, "Контрольные работы", extract.tests, "Контрольных работ нет.")
    _lines(pdf, "Изменения в расписании", extract.changes, "Изменений не было.")
    _lines(pdf, "Рекомендации учителей", extract.recommendations, "Рекомендаций нет.")
    if extract.messages:
        _lines(pdf, "Сообщения классного руководителя", extract.messages, "")
    _slip(pdf, extract, school_name)


def render_extracts(
    extracts: Sequence[ExtractContent],
    *,
    school_name: str,
    timezone: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One PDF: each extract starts on a new page and ends with its tear-off slip."""
    pdf = new_document("Выписки из электронного журнала", margin=MARGIN)
    for index, extract in enumerate(extracts, start=1):
        _extract(pdf, extract, school_name, timezone)
        if progress is not None:
            progress(index, len(extracts))
    if not extracts:
        pdf.add_page()
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 10, "Нет выписок.")
    return bytes(pdf.output())
