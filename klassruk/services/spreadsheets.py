"""Every uploaded table (roster, teaching load, timetable) is read here, and every exported one
is written through `export_cell`.

What the reader guarantees, whatever the user uploads:
- a clear Russian `DomainError` instead of a traceback for a binary, renamed, damaged, old-Excel,
  password-protected or OpenDocument file, a UTF-16 text without a byte-order mark it cannot
  decode, a CSV it cannot parse, a formula cell (named by its address) or merged cells; any other
  failure while reading becomes «Файл повреждён или не является таблицей…» with what was
  recognised before it;
- row numbers are the spreadsheet's own: blank rows count, the header is the first non-blank row;
- limits are checked while streaming: the file size first, then the unpacked size of the XLSX
  parts, then data rows one by one (openpyxl read-only), so an oversized file is refused after
  reading at most `max_rows + 1` rows;
- with several sheets the first one is read and the result says so (`Table.notes`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from klassruk.errors import DomainError
from klassruk.text.formatting import quote

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is read
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._reader import WorkSheetParser

MAX_FILE_BYTES = 5 * 1024 * 1024
# Unpacked XLSX parts (sheet XML, shared strings): a 5 MB zip can hide gigabytes.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# A cell longer than this is not a name, a subject or a date (csv's own limit is 128 KiB).
MAX_CELL_CHARS = 10_000
# A large XLSX part packed tighter than this is a zip bomb, not a table (real sheets: 5-50×).
MAX_PACKING_RATIO = 200
_RATIO_CHECKED_FROM = 1024 * 1024

# Full-width forms too: Excel in East Asian locales reads «＝SUM(…)» as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel saves a password-protected XLSX as an OLE2 container with this stream in it.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
# Control characters never found in a text table (tab, CR, LF and form feed are allowed).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Row:
    """A non-blank data row with its number as the spreadsheet shows it."""

    number: int
    cells: tuple[str, ...]

    def get(self, index: int | None) -> str:
        """The cell at `index`, or an empty string past the end of the row."""
        return self.cells[index] if index is not None and index < len(self.cells) else ""


@dataclass
class _Progress:
    """What the reader recognised so far, for the message when the file turns out damaged."""

    kind: str
    sheet: str | None = None
    row: int = 0

    def damaged(self) -> DomainError:
        recognised = [self.kind]
        if self.sheet is not None:
            recognised.append(f"лист {quote(self.sheet)}")
        recognised.append(f"прочитано строк: {self.row}" if self.row else "строки не прочитаны")
        return DomainError(
            f"Файл повреждён или не является таблицей (распознано: {', '.join(recognised)}). "
            "Откройте его в Excel и сохраните заново как «Книга Excel (*.xlsx)» или CSV."
        )


@dataclass(frozen=True)
class Table:
    """The header row and the non-blank rows under it, cells as clean strings."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()


def clean_cell(value: object) -> str:
    """A cell as one trimmed line; dates as ДД.ММ.ГГГГ, whole numbers without «.0»."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = " ".join(str(value).split())
    # Our own exports put an apostrophe before a leading = + - @ (see export_cell): undo it.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def export_cell(value: object) -> object:
    """A value safe to put in an exported CSV/XLSX: text starting with = + - @ is not a formula.

    Every export (CSV and XLSX writers, tables downloaded from pages) passes its cells here;
    spaces or invisible characters before the sign do not hide it.
    """
    if isinstance(value, str) and (
        value.startswith(("\t", "\r", "\n"))
        or value.lstrip(" \u00a0\u200b\u200e\u200f\u2060\ufeff").startswith(FORMULA_PREFIXES)
    ):
        return "'" + value
    return value


def read_table(content: bytes, filename: str, *, max_rows: int) -> Table:
    """Read an uploaded XLSX or CSV table; refuse anything else with a clear Russian message."""
    if len(content) > MAX_FILE_BYTES:
        raise DomainError(
            f"Файл слишком большой: {len(content) / 1024 / 1024:.1f} МБ, "
            f"можно не больше {MAX_FILE_BYTES // 1024 // 1024} МБ."
        )
    if not content:
        raise DomainError("Файл пуст.")
    lower = filename.lower()
    kind = _sniff(content)
    if kind == "encrypted":
        raise DomainError(
            f"Файл {quote(filename)} защищён паролем. Откройте его в Excel, снимите пароль "
            "(Файл → Сведения → Защита книги → Зашифровать с использованием пароля: очистите "
            "поле) и загрузите файл снова."
        )
    if lower.endswith(".xlsx"):
        if kind != "zip":
            raise DomainError(
                f"Файл {quote(filename)} назван как XLSX, но это {_kind_title(kind)}. "
                "Откройте его в Excel и сохраните как «Книга Excel (*.xlsx)»."
            )
        progress = _Progress("книга Excel (XLSX)")
        read = _read_xlsx
    elif lower.endswith((".csv", ".txt")):
        if kind != "text":
            raise DomainError(
                f"Файл {quote(filename)} назван как CSV, но это {_kind_title(kind)}. "
                "Загрузите его с правильным расширением или сохраните как CSV."
            )
        progress = _Progress("текстовая таблица (CSV)")
        read = _read_csv
    else:
        raise DomainError("Поддерживаются файлы XLSX и CSV.")
    try:
        header, rows, notes = read(content, max_rows, progress)
    except DomainError:
        raise
    except Exception as error:  # a damaged file fails in the libraries in ways without end
        raise progress.damaged() from error
    if header is None:
        raise DomainError("Файл пуст: в нём нет ни заголовка, ни строк.")
    return Table(header=header, rows=tuple(rows), notes=tuple(notes))


def _sniff(content: bytes) -> str:
    """What the bytes really are: zip (XLSX, ODS…), ole2 (XLS), text or binary."""
    if content.startswith(_ZIP_MAGIC):
        return "zip"
    if content.startswith(_OLE2_MAGIC):
        return "encrypted" if _ENCRYPTED_STREAM in content else "ole2"
    try:
        _decode(content)
    except DomainError:
        return "binary"
    return "text"


def _kind_title(kind: str) -> str:
    return {
        "zip": "архив или таблица Excel (XLSX)",
        "ole2": "файл старого формата Excel 97–2003 (XLS)",
        "text": "текстовый файл (CSV)",
    }.get(kind, "не таблица (двоичные данные)")


# ---------------------------------------------------------------- CSV


def _decode(content: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1251."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif b"\x00" in content[:4096]:
        # UTF-16 without a BOM (some exports): ASCII characters carry a zero byte.
        even_zeros = content[0:4096:2].count(0)
        encodings = ("utf-16-be",) if even_zeros > content[1:4096:2].count(0) else ("utf-16-le",)
    else:
        encodings = ("utf-8-sig", "cp1251")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _BINARY.search(text):
            return text
    raise DomainError(
        "Файл не похож на таблицу CSV: в нём двоичные данные или неизвестная кодировка. "
        "Сохраните таблицу как CSV (UTF-8 или Windows-1251) или как XLSX."
    )


def _read_csv(
    content: bytes, max_rows: int, progress: _Progress
) -> tuple[tuple[str, ...] | None, list[Row], list[str]]:
    text = _decode(content)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # One record is one spreadsheet row (a quoted line break stays inside its cell).
        header, rows = _collect(enumerate(reader, start=1), max_rows, progress)
    except csv.Error as error:
        lines = text.splitlines()
        line = lines[reader.line_num - 1] if 0 < reader.line_num <= len(lines) else ""
        # A huge cell without quotes is a size problem; an unclosed quote swallows the rest.
        if "field larger than field limit" in str(error) and '"' not in line:
            raise DomainError(
                f"Строка {progress.row + 1}: в ячейке больше {MAX_CELL_CHARS} символов. "
                "Проверьте файл."
            ) from error
        raise DomainError(
            f"Не удалось разобрать CSV около строки {reader.line_num}: проверьте кавычки "
            "и разделители или сохраните таблицу как XLSX."
        ) from error
    return header, rows, []


# ---------------------------------------------------------------- XLSX


def _open_workbook(content: bytes) -> tuple[ExcelReader, list[tuple[str, str]]]:
    """The workbook's reader and its worksheets as (title, archive part), in order."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    _check_unpacked(content)
    try:
        reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        return reader, [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except Exception as error:  # openpyxl raises many unrelated kinds on a damaged file
        raise DomainError(
            "Не удалось прочитать файл XLSX: он повреждён или это не таблица Excel "
            "(например, OpenDocument). Откройте его и сохраните как «Книга Excel (*.xlsx)»."
        ) from error


def _other_sheets_note(sheets: list[tuple[str, str]]) -> list[str]:
    if len(sheets) < 2:
        return []
    others = ", ".join(quote(name) for name, _ in sheets[1:4])
    more = f" и ещё {len(sheets) - 4}" if len(sheets) > 4 else ""
    return [
        f"В файле несколько листов: прочитан первый, {quote(sheets[0][0])}; "
        f"не прочитаны {others}{more}."
    ]


def _sheet_cells(parser: WorkSheetParser, title: str) -> Iterator[tuple[int, list[object]]]:
    """The sheet's rows as (row number, values by column); a formula cell stops the read."""
    from openpyxl.utils import get_column_letter

    for number, row in parser.parse():
        values: list[object] = []
        for cell in row:
            if cell["data_type"] == "f":
                raise DomainError(
                    f"Ячейка {get_column_letter(cell['column'])}{number} листа "
                    f"{quote(title)} содержит формулу. Замените формулы значениями "
                    "(Копировать → Специальная вставка → Значения) и загрузите файл снова."
                )
            values += [None] * (cell["column"] - 1 - len(values))
            values.append(cell["value"])
        yield number, values


def _read_xlsx(
    content: bytes, max_rows: int, progress: _Progress
) -> tuple[tuple[str, ...] | None, list[Row], list[str]]:
    # openpyxl's own read-only worksheet parses a whole sheet that lacks a <dimension> tag just
    # to size it (a 50,000-row file: 18 s) before the first row is seen; its workbook reader and
    # row parser, used directly, stream rows and stop at the row limit.
    from openpyxl.worksheet._reader import WorkSheetParser

    reader, sheets = _open_workbook(content)
    try:
        if not sheets:
            raise DomainError("В файле XLSX нет ни одного листа с таблицей.")
        title, part = sheets[0]
        progress.sheet = title
        workbook = reader.wb
        parser = WorkSheetParser(
            reader.archive.open(part),
            reader.shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        header, rows = _collect(_sheet_cells(parser, title), max_rows, progress)
        # The sheet was read to its end: merged ranges (stored after the rows) are known now.
        merged = parser.merged_cells.mergeCell if parser.merged_cells else []
        if merged:
            raise DomainError(
                f"На листе {quote(title)} объединены ячейки {merged[0].ref}. Отмените "
                "объединение (в каждой ячейке — своё значение) и загрузите файл снова."
            )
        return header, rows, _other_sheets_note(sheets)
    finally:
        reader.archive.close()


def _check_unpacked(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            items = archive.infolist()
    except zipfile.BadZipFile as error:
        raise DomainError("Файл XLSX повреждён: сохраните его заново в Excel.") from error
    if sum(item.file_size for item in items) > MAX_UNPACKED_BYTES:
        raise DomainError(
            "Файл XLSX слишком велик в распакованном виде: уменьшите таблицу или разделите её."
        )
    if any(
        item.file_size > _RATIO_CHECKED_FROM
        and item.file_size > MAX_PACKING_RATIO * max(item.compress_size, 1)
        for item in items
    ):
        raise DomainError(
            "Файл XLSX сжат подозрительно сильно (так бывает у «zip-бомб», не у таблиц): "
            "сохраните таблицу заново в Excel."
        )


# ---------------------------------------------------------------- both


def _collect(
    numbered: Iterable[tuple[int, Sequence[object]]], max_rows: int, progress: _Progress
) -> tuple[tuple[str, ...] | None, list[Row]]:
    """The first non-blank row as header, then the non-blank rows; stops past `max_rows`."""
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    for number, values in numbered:
        progress.row = number
        cells = tuple(clean_cell(v) for v in values)
        while cells and not cells[-1]:
            cells = cells[:-1]
        if not cells:
            continue
        too_long = next((i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS), None)
        if too_long is not None:
            raise DomainError(
                f"Строка {number}, столбец {too_long + 1}: в ячейке больше {MAX_CELL_CHARS} "
                f"символов ({quote(cells[too_long])}). Проверьте файл."
            )
        if header is None:
            header = cells
            continue
        if len(rows) >= max_rows:
            raise DomainError(
                f"Слишком много строк: не больше {max_rows} за одну загрузку "
                f"(строка {number} уже лишняя). Разделите файл на части."
            )
        rows.append(Row(number, cells))
    return header, rows
