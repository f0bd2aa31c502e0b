"""The bad uploads of issues 8 and 23, built in code (some binary): name → (file name, bytes)."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

from klassruk.services.roster.rows import TEMPLATE_COLUMNS

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


def _rewrite(content: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same XLSX with one part's bytes changed (the zip's own headers stay truthful)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            archive.writestr(item.filename, change(data) if item.filename == member else data)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def template_xlsx_file() -> bytes:
    """A good roster XLSX with one row."""
    return _xlsx(lambda book: _template_sheet(book, ROW))


def _lying_size() -> bytes:
    """The sheet's local and central headers claim fewer bytes than it unpacks to."""
    content = bytearray(template_xlsx_file())
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    item = archive.getinfo(SHEET)
    real = item.file_size.to_bytes(4, "little")
    told = (item.file_size // 3).to_bytes(4, "little")
    # The uncompressed size sits in the local header (offset 22) and the central one (24).
    local = item.header_offset + 22
    content[local : local + 4] = told
    central = bytes(content).rindex(real, 0, len(content) - 22)
    content[central : central + 4] = told
    return bytes(content)


def _truncated_sheet() -> bytes:
    return _rewrite(template_xlsx_file(), SHEET, lambda xml: xml[: len(xml) * 2 // 3])


def _cell_xml(cell: str) -> Callable[[], bytes]:
    """A template whose B2 cell is replaced with the raw XML `cell`."""

    def build() -> bytes:
        def change(xml: bytes) -> bytes:
            start = xml.index(b'<c r="B2"')
            end = xml.index(b"</c>", start) + len(b"</c>")
            return xml[:start] + cell.encode() + xml[end:]

        return _rewrite(template_xlsx_file(), SHEET, change)

    return build


def _encrypted_xlsx() -> bytes:
    """What Excel saves with a password: an OLE2 container with an EncryptedPackage stream."""
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\0")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + entry + bytes(4096)


def _megabyte_cell_csv() -> bytes:
    header = ";".join(TEMPLATE_COLUMNS)
    return f"{header}\r\n7А;{'Ж' * 600_000};Никита;;12.05.2013\r\n".encode()


def _million_rows_declared() -> bytes:
    """A sheet that says it spans a million rows, and holds a data row at the last of them."""

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:K2"/>', b'<dimension ref="A1:K1048576"/>')
        return xml.replace(b'<row r="2"', b'<row r="1048576"').replace(b'r="A2"', b'r="A1048576"')

    return _rewrite(template_xlsx_file(), SHEET, change)


def _png_renamed() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def _bomb_ratio() -> bytes:
    """A sheet that unpacks a thousand times its packed size, under the total limit."""
    padding = b"<!--" + b" " * 60_000_000 + b"-->"
    return _rewrite(template_xlsx_file(), SHEET, lambda xml: xml + padding)


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
    # Issue 23: files that crashed the reader or were called what they are not.
    "zip_lies_about_size": ("spisok.xlsx", _lying_size, "Файл повреждён или не является таблицей"),
    "truncated_sheet_xml": (
        "spisok.xlsx", _truncated_sheet, "Файл повреждён или не является таблицей"
    ),
    "number_cell_with_text": (
        "spisok.xlsx", _cell_xml('<c r="B2" t="n"><v>abc</v></c>'),
        "Файл повреждён или не является таблицей.*лист «Sheet»",
    ),
    "bad_date_cell": (
        "spisok.xlsx", _cell_xml('<c r="B2" t="d"><v>31.02.2013</v></c>'),
        "Файл повреждён или не является таблицей.*лист «Sheet»",
    ),
    "password_protected_xlsx": ("spisok.xlsx", _encrypted_xlsx, "защищён паролем"),
    "megabyte_cell_csv": ("spisok.csv", _megabyte_cell_csv, "больше 10000 символов"),
    "png_renamed_to_xlsx": ("spisok.xlsx", _png_renamed, "не таблица"),
    "empty_xlsx": ("spisok.xlsx", lambda: b"", "Файл пуст"),
    "bomb_ratio": ("spisok.xlsx", _bomb_ratio, "сжат подозрительно сильно"),
}  # fmt: skip

# Hostile files a reader must survive: either a table or a Russian message, never a crash.
ODD_BUT_READABLE: dict[str, tuple[str, Callable[[], bytes]]] = {
    "million_rows_declared": ("spisok.xlsx", _million_rows_declared),
}
