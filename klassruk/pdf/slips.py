"""Credential slips: A4 pages of cut-out slips, one per person, in one PDF (fpdf2, PT Sans)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from fpdf import FPDF

from klassruk.pdf import FONT, new_document
from klassruk.services.credentials.issuing import IssuedCredential
from klassruk.services.credentials.people import PersonKind
from klassruk.text.formatting import format_date

COLUMNS = 2
ROWS = 4
MARGIN = 8.0
PADDING = 4.0
LABEL_WIDTH = 25.0

INSTRUCTION = (
    "Откройте адрес выше, введите логин, а в поле «Пароль или код активации» — код. "
    "Затем задайте собственный пароль."
)
RULES = (
    "Не передавайте логин и пароль другим людям, в том числе детям и родственникам. "
    "Если они стали известны посторонним, в течение одного рабочего дня сообщите "
    "руководителю школы и классному руководителю."
)
SIGNATURE_LINE = "Реквизиты получены: ____________ / ________________  «___» ______ 20__ г."
# Each person signs for their own slip: a student's slip never asks for a parent's signature.
SIGNATURE_CAPTIONS = {
    PersonKind.STUDENT: "подпись обучающегося        расшифровка подписи",
    PersonKind.GUARDIAN: "подпись родителя (законного представителя)        расшифровка подписи",
    PersonKind.STAFF: "подпись сотрудника        расшифровка подписи",
}


def _cut_lines(pdf: FPDF, width: float, height: float) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        for col in range(COLUMNS + 1):
            x = MARGIN + col * width
            pdf.line(x, MARGIN, x, MARGIN + ROWS * height)
        for row in range(ROWS + 1):
            y = MARGIN + row * height
            pdf.line(MARGIN, y, MARGIN + COLUMNS * width, y)


def _lines(pdf: FPDF, width: float, height: float, lines: list[str]) -> None:
    for line in lines:
        pdf.cell(width, height, line, new_x="LEFT", new_y="NEXT")


def _wrap(pdf: FPDF, width: float, style: str, size: float, text: str) -> list[str]:
    # The same paragraphs repeat on every slip: wrap them once, not thousands of times.
    pdf.set_font(FONT, style, size)
    # With output="LINES" fpdf2 returns the wrapped lines; its annotation covers every mode.
    lines = pdf.multi_cell(width, 3.0, text, dry_run=True, output="LINES")
    return list(cast(list[str], lines))


def _slip(
    pdf: FPDF,
    slip: IssuedCredential,
    *,
    x: float,
    y: float,
    width: float,
    wrapped: dict[str, list[str]],
    app_url: str,
) -> None:
    inner = width - 2 * PADDING
    left = x + PADDING
    pdf.set_xy(left, y + PADDING)
    pdf.set_font(FONT, "B", 8)
    _lines(pdf, inner, 3.4, wrapped["school"])
    pdf.set_font(FONT, "", 8)
    if slip.kind is PersonKind.STUDENT:
        who = f"Класс {slip.class_name} · обучающийся"
    elif slip.kind is PersonKind.STAFF:
        who = "Сотрудник школы"
    else:
        who = f"Родитель (законный представитель) · {', '.join(slip.children)}, {slip.class_name}"
    pdf.multi_cell(inner, 3.4, who, new_x="LEFT", new_y="NEXT", align="L")
    pdf.set_font(FONT, "B", 11)
    pdf.cell(inner, 5.5, slip.name, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(LABEL_WIDTH, 6, "Логин:")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(inner - LABEL_WIDTH, 6, slip.login, new_x="LEFT", new_y="NEXT")
    pdf.set_x(left)
    pdf.set_font(FONT, "", 9)
    pdf.cell(LABEL_WIDTH, 6.5, "Код активации:")
    pdf.set_font(FONT, "B", 13)
    pdf.cell(inner - LABEL_WIDTH, 6.5, slip.code, new_x="LEFT", new_y="NEXT")
    pdf.set_x(left)
    pdf.set_font(FONT, "", 8)
    pdf.cell(
        inner, 3.6, f"Код одноразовый, действует до {format_date(slip.expires_at.date())}.",
        new_x="LEFT", new_y="NEXT",
    )
    pdf.cell(inner, 3.6, f"Адрес: {app_url}", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 7)
    _lines(pdf, inner, 3.0, wrapped["instruction"])
    pdf.set_font(FONT, "I", 7)
    _lines(pdf, inner, 3.0, wrapped["rules"])
    pdf.set_font(FONT, "", 7)
    pdf.ln(2.5)
    pdf.set_x(left)
    pdf.cell(inner, 3.0, SIGNATURE_LINE, new_x="LEFT", new_y="NEXT")
    pdf.set_x(left)
    pdf.cell(inner, 3.0, SIGNATURE_CAPTIONS[slip.kind], new_x="LEFT", new_y="NEXT")


def render_slips(
    slips: Sequence[IssuedCredential],
    *,
    school_name: str,
    app_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One PDF with a cut-out slip per person, eight to an A4 page."""
    pdf = new_document("Реквизиты доступа", margin=MARGIN)
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    inner = width - 2 * PADDING
    pdf.add_page()  # wrapping needs a page; the first slip goes on it
    wrapped = {
        "school": _wrap(pdf, inner, "B", 8, school_name),
        "instruction": _wrap(pdf, inner, "", 7, INSTRUCTION),
        "rules": _wrap(pdf, inner, "I", 7, RULES),
    }
    for index, slip in enumerate(slips):
        position = index % per_page
        if position == 0:
            if index:
                pdf.add_page()
            _cut_lines(pdf, width, height)
        row, col = divmod(position, COLUMNS)
        _slip(
            pdf,
            slip,
            x=MARGIN + col * width,
            y=MARGIN + row * height,
            width=width,
            wrapped=wrapped,
            app_url=app_url,
        )
        if progress is not None:
            progress(index + 1, len(slips))
    if not slips:
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 10, "Нет выданных реквизитов.")
    return bytes(pdf.output())
