"""Printed and exported tables: wide tables split with the name repeated; safe spreadsheet cells."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from klassruk.pdf.reports import PrintedTable, render_tables
from klassruk.services.reports.exports import tables_xlsx


def _text(pdf: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(
        io.BytesIO(pdf)).pages)


def test_a_wide_journal_is_printed_in_parts_with_the_names_repeated():
    headers = ["Обучающийся", *(f"{d:02d}.11" for d in range(1, 31))]
    rows = [["Орлов Пётр", *(["5к"] * 30)], ["Белова Анна", *(["Н"] * 30)]]
    text = _text(render_tables("Журнал: Математика", [PrintedTable("7А: отметки", headers, rows,
                                                                   per_part=20)]))
    assert "7А: отметки (часть 1 из 2)" in text and "7А: отметки (часть 2 из 2)" in text
    assert text.count("Орлов Пётр") == 2 and text.count("Белова Анна") == 2
    assert "30.11" in text and "20.11" in text


def test_workbook_sheets_are_valid_and_cells_are_not_formulas():
    data = tables_xlsx([
        ("Английский язык / гр. 1: отметки", ["Обучающийся", "01.11"], [["=cmd()", "5"]]),
        ("Английский язык / гр. 1: отметки", ["Обучающийся"], [["+7 999"]]),
    ])
    book = load_workbook(io.BytesIO(data))
    # «/» and «:» are not allowed in sheet names; names are unique and ≤ 31 characters.
    clean = "Английский язык   гр. 1  отметки"
    assert book.sheetnames == [clean[:31], clean[:27] + " (2)"]
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "'=cmd()" in values and "'+7 999" in values
