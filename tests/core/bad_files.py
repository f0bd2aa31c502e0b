"""The bad uploads of issue 8, built in code (some are binary): name → (file name, bytes)."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

from klassruk.services.roster import TEMPLATE_COLUMNS

ROW = ["7А", "Петров", "Никита", "", "12.05.2013", "Петрова", "Ольга", "", "мать", "", ""]


def _xlsx(fill: Callable[[Workbook], None]) -> bytes:
    book = Workbook()
    fill(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _template_sheet(book: Workbook, *rows: list[object]) -> None:
    sheet = book.active
    assert sheet is not None
    sheet.append(list(TEMPLATE_COLUMNS))
    for row in rows:
        sheet.append(row)


def _binary() -> bytes:
    # Random bytes always contain 0x98 somewhere: undecodable even as Windows-1251.
    return bytes(random.Random(8).randrange(256) for _ in range(4096)) + b"\x98"


def _formula(book: Workbook) -> None:
    _template_sheet(book, ROW)
    sheet = book.active
    assert sheet is not None
    sheet["B2"] = '=LOWER("A")'


def _merged(book: Workbook) -> None:
    _template_sheet(book, ROW, ["", "Петрова", "Алёна", "", "01.02.2014"])
    sheet = book.active
    assert sheet is not None
    sheet.merge_cells("A2:A3")


def _too_many_rows() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Список")
    sheet.append(list(TEMPLATE_COLUMNS))
    for n in range(6_000):
        sheet.append(["7А", f"Фамилия{n}", "Имя", "", "01.01.2013"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (120 * 1024 * 1024))
    return buffer.getvalue()


def _ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _broken_quotes() -> bytes:
    header = ";".join(TEMPLATE_COLUMNS)
    return f'{header}\r\n7А;"{"Петров" * 30_000};Никита\r\n'.encode()


def _long_cell() -> bytes:
    header = ";".join(TEMPLATE_COLUMNS)
    return f"{header}\r\n7А;{'Щ' * 100_000};Никита;;12.05.2013\r\n".encode()


# name → (uploaded file name, content builder, what the Russian message must say)
BAD_FILES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "binary_csv": ("spisok.csv", _binary, "двоичные данные"),
    "xlsx_renamed_to_csv": ("spisok.csv", lambda: _xlsx(_template_sheet), "назван как CSV"),
    "csv_renamed_to_xlsx": (
        "spisok.xlsx", lambda: ";".join(TEMPLATE_COLUMNS).encode(), "назван как XLSX"
    ),
    "old_excel_xls": ("spisok.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
                      "Excel 97–2003"),
    "damaged_xlsx": ("spisok.xlsx", lambda: _xlsx(_template_sheet)[:700], "повреждён"),
    "opendocument": ("spisok.xlsx", _ods, "OpenDocument"),
    "formula_cell": ("spisok.xlsx", lambda: _xlsx(_formula), "Ячейка B2 .* содержит формулу"),
    "merged_cells": ("spisok.xlsx", lambda: _xlsx(_merged), "объединены ячейки A2:A3"),
    "too_many_rows": ("spisok.xlsx", _too_many_rows, "Слишком много строк: не больше 5000"),
    "unpacked_too_big": ("spisok.xlsx", _zip_bomb, "слишком велик в распакованном виде"),
    "broken_quotes_csv": ("spisok.csv", _broken_quotes, "Не удалось разобрать CSV"),
    "long_cell_csv": ("spisok.csv", _long_cell, "больше 10000 символов"),
    "empty": ("spisok.csv", lambda: b"", "Файл пуст"),
    "too_big": ("spisok.csv", lambda: b"a;" * (3 * 1024 * 1024), "слишком большой"),
}  # fmt: skip
