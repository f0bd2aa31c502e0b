"""Paper extracts from the journal: A4, black and white, with a tear-off acknowledgement slip."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from itertools import groupby

from fpdf import FPDF

from klassruk.models.journal import GRADE_KIND_SUFFIXES, GRADE_KIND_TITLES, GradeKind
from klassruk.pdf import FONT, new_document
from klassruk.services.extracts.content import (
    DatedLine,
    ExtractContent,
    ExtractGrade,
    ExtractSubject,
)
from klassruk.text.formatting import format_average, format_date, format_timestamp
from klassruk.text.russian import agree_with

# Sizes chosen so a typical pupil's week (16 subjects, a full week of homework) fits one A4
# page with its tear-off slip; body text stays at 8.5 pt, the smallest size comfortable for
# reading on paper, legends at 6.5 pt.
MARGIN = 12.0
SLIP_HEIGHT = 28.0
BODY = 8.5
LINE = 3.7
ROW = LINE + 0.8
# Subject, grades, average, period grade, absences; the grades column takes the rest of the width.
SUBJECT_WIDTH, TAIL_WIDTHS = 54.0, (13.0, 10.0, 14.0)
TAIL_HEADERS = ("Ср. балл", "Итог", "Пропуски")
# A range of up to a week gets a column per day (as an e-diary shows it); longer ones a list.
MAX_DAY_COLUMNS = 7
WEEKDAYS = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")
SUNDAY = 6
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


def _marks(grades: Sequence[ExtractGrade]) -> str:
    return " ".join(f"{g.value}{GRADE_KIND_SUFFIXES[g.kind]}" for g in grades)


def _grades_text(subject: ExtractSubject) -> str:
    days = [
        f"{day.strftime('%d.%m')}: {_marks(list(grades))}"
        for day, grades in groupby(subject.grades, key=lambda g: g.on)
    ]
    return "; ".join(days) or "—"


def _day_columns(extract: ExtractContent) -> list[date] | None:
    """The days of a short range (Sundays only when graded), or None for a list of dates."""
    graded = {g.on for subject in extract.subjects for g in subject.grades}
    days = [
        extract.date_from + timedelta(days=offset)
        for offset in range((extract.date_to - extract.date_from).days + 1)
    ]
    days = [day for day in days if day.weekday() != SUNDAY or day in graded]
    return days if len(days) <= MAX_DAY_COLUMNS else None


def _heading(pdf: FPDF, text: str) -> None:
    _room_for(pdf, 5 + LINE)
    pdf.ln(0.8)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 4.4, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", BODY)


def _room_for(pdf: FPDF, height: float) -> None:
    # Content never runs into the slip's strip at the bottom of the page.
    if pdf.get_y() + height > pdf.h - MARGIN - SLIP_HEIGHT:
        pdf.add_page()


def _row(pdf: FPDF, widths: Sequence[float], cells: Sequence[str], *, bold: int | None = None,
         wrap: bool = True) -> None:
    """One table row, as tall as its longest wrapped cell; cells after the first are centred."""
    wrapped = [
        _wrap(pdf, text, width) if wrap else [text]
        for width, text in zip(widths, cells, strict=True)
    ]
    height = max(len(lines) for lines in wrapped) * LINE + ROW - LINE
    _room_for(pdf, height)
    y, x = pdf.get_y(), pdf.l_margin
    for index, (width, lines) in enumerate(zip(widths, wrapped, strict=True)):
        pdf.rect(x, y, width, height)
        with pdf.local_context():
            if index == bold:
                pdf.set_font(FONT, "B", pdf.font_size_pt)
            for number, line in enumerate(lines):
                _put(pdf, x, y + 0.4 + number * LINE, width, LINE, line, centred=index > 0)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


def _table(pdf: FPDF, extract: ExtractContent) -> None:
    days = _day_columns(extract)
    grades_width = pdf.epw - SUBJECT_WIDTH - sum(TAIL_WIDTHS)
    if days is None:
        day_widths: tuple[float, ...] = (grades_width,)
        day_headers: tuple[str, ...] = ("Оценки (дата: оценки)",)
    else:
        day_widths = (grades_width / len(days),) * len(days)
        day_headers = tuple(f"{WEEKDAYS[day.weekday()]} {day.strftime('%d.%m')}" for day in days)
    widths = (SUBJECT_WIDTH, *day_widths, *TAIL_WIDTHS)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    _room_for(pdf, 2 * ROW)
    pdf.set_font(FONT, "B", 8)
    _row(pdf, widths, ("Предмет", *day_headers, *TAIL_HEADERS), wrap=False)
    pdf.set_font(FONT, "", BODY)
    if not extract.subjects:
        pdf.cell(sum(widths), ROW, "Оценок и пропусков за этот период нет.", border=1,
                 new_x="LMARGIN", new_y="NEXT")
        return
    for subject in extract.subjects:
        if days is None:
            marks: tuple[str, ...] = (_grades_text(subject),)
        else:
            of_day = {day: list(grades) for day, grades in groupby(subject.grades, lambda g: g.on)}
            marks = tuple(_marks(of_day.get(day, [])) for day in days)
        _row(pdf, widths, (
            subject.subject,
            *marks,
            format_average(subject.average),
            str(subject.period_grade) if subject.period_grade is not None else "—",
            str(subject.absences) if subject.absences else "—",
        ), bold=len(widths) - 2)
    pdf.set_font(FONT, "I", 6.5)
    _paragraph(pdf, LEGEND, 2.9)


def _lines(pdf: FPDF, title: str, lines: Sequence[DatedLine]) -> None:
    _heading(pdf, title)
    # One paragraph per day keeps a week of homework on the extract's page.
    for day, of_day in groupby(lines, key=lambda line: line.on):
        items = "; ".join(f"{line.subject} — {line.text}" for line in of_day)
        _paragraph(pdf, f"{day.strftime('%d.%m')}: {items}", LINE)


def _fit(pdf: FPDF, text: str, width: float, style: str, size: float) -> None:
    """Set the largest font size up to `size` (but not below 7 pt) at which `text` fits."""
    pdf.set_font(FONT, style, size)
    while size > 7 and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font(FONT, style, size)


def _slip(pdf: FPDF, extract: ExtractContent, school_name: str) -> None:
    top = pdf.h - MARGIN - SLIP_HEIGHT
    width = pdf.w - 2 * MARGIN
    with pdf.local_context():
        pdf.set_draw_color(90)
        pdf.set_dash_pattern(dash=2, gap=1.5)
        pdf.line(MARGIN, top, MARGIN + width, top)
    pdf.set_font(FONT, "I", 6.5)
    pdf.set_xy(MARGIN, top + 0.5)
    pdf.cell(width, 2.8, "линия отреза — талон верните классному руководителю", align="R")
    pdf.set_xy(MARGIN, top + 3)
    title = f"Талон к выписке № {extract.number} · {school_name}"
    _fit(pdf, title, width - 2 * pdf.c_margin, "B", 10)
    pdf.cell(width, 5, title, new_x="LMARGIN", new_y="NEXT")
    about = (
        f"Обучающийся: {extract.student}, {extract.class_name} класс; сведения с "
        f"{format_date(extract.date_from)} по {format_date(extract.date_to)}."
    )
    _fit(pdf, about, width - 2 * pdf.c_margin, "", 9)
    pdf.cell(width, LINE, about, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    lead = f"С информацией {agree_with(extract.guardian, 'ознакомлен', 'ознакомлена')}:  "
    blank = "____________________"
    signature = f"{lead}{blank}  / {extract.guardian} /   «___» ____________ 20__ г."
    _fit(pdf, signature, width - 2 * pdf.c_margin, "B", 10)
    pdf.cell(width, 6, signature, new_x="LMARGIN", new_y="NEXT")
    signature_x = MARGIN + pdf.get_string_width(lead)
    signature_width = pdf.get_string_width(blank)
    pdf.set_font(FONT, "I", 7)
    pdf.set_x(signature_x - 10)
    pdf.cell(signature_width + 20, 3, "подпись родителя (законного представителя)", align="C")


def _details(pdf: FPDF, extract: ExtractContent, timezone: str) -> None:
    """Who, for whom and which days: label and value pairs, two to a line."""
    period = f" ({extract.period})" if extract.period else ""
    pairs = (
        (("Обучающийся", f"{extract.student}, {extract.class_name} класс"),
         ("Сведения", f"с {format_date(extract.date_from)} по {format_date(extract.date_to)}"
                      f"{period}")),
        (("Кому", f"{extract.guardian}, родителю (законному представителю)"),),
        (("Классный руководитель", extract.class_teacher),
         ("Дата печати", format_timestamp(extract.printed_at, timezone))),
    )
    half = pdf.epw / 2
    for line in pairs:
        # A long name takes the whole line; the pair that would share it gets its own.
        fits = _label_width(pdf, line[0]) + 8 <= half
        for column, pair in enumerate(line):
            if column and fits:
                pdf.set_x(pdf.l_margin + half + 8)
            elif column:
                pdf.ln(4.6)
            label, value = pair
            pdf.set_font(FONT, "", 9)
            pdf.cell(pdf.get_string_width(label) + 3, 4.6, f"{label}:")
            pdf.set_font(FONT, "B", 9)
            pdf.cell(half if fits and not column else 0, 4.6, value)
        pdf.ln(4.6)


def _label_width(pdf: FPDF, pair: tuple[str, str]) -> float:
    pdf.set_font(FONT, "", 9)
    width = pdf.get_string_width(pair[0]) + 3
    pdf.set_font(FONT, "B", 9)
    return width + pdf.get_string_width(pair[1])


# Sections with nothing in them share one line at the end instead of a heading each.
SECTIONS = (
    ("absences", "Пропуски уроков", "Пропусков нет."),
    ("homework", "Домашние задания", "Домашних заданий нет."),
    ("tests", "Контрольные работы", "Контрольных работ нет."),
    ("changes", "Изменения в расписании", "Изменений в расписании не было."),
    ("recommendations", "Рекомендации учителей", "Рекомендаций нет."),
)


def _extract(pdf: FPDF, extract: ExtractContent, school_name: str, timezone: str) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 3.6, school_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 6.5, f"Выписка из электронного журнала № {extract.number}",
             new_x="LMARGIN", new_y="NEXT")
    if extract.reprint_of is not None:
        pdf.set_font(FONT, "I", 8.5)
        pdf.cell(0, LINE, f"Повторная печать взамен выписки № {extract.reprint_of}",
                 new_x="LMARGIN", new_y="NEXT")
    _details(pdf, extract, timezone)
    _heading(pdf, "Успеваемость")
    _table(pdf, extract)
    empty = []
    for attribute, title, nothing in SECTIONS:
        lines = getattr(extract, attribute)
        if lines:
            _lines(pdf, title, lines)
        else:
            empty.append(nothing)
    if empty:
        pdf.ln(1)
        pdf.set_font(FONT, "", BODY)
        _paragraph(pdf, " ".join(empty), LINE)
    if extract.messages:
        _lines(pdf, "Сообщения классного руководителя", extract.messages)
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
