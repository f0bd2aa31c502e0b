"""The template a school fills in: the columns, an instruction sheet, XLSX or CSV."""

from __future__ import annotations

import csv
import io

from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from klassruk.services.spreadsheets import export_cell

INSTRUCTIONS = (
    "Одна строка — один обучающийся; у него до двух представителей (родителей).",
    "Дата рождения: ДД.ММ.ГГГГ. Телефон: российский номер, например +7 912 345-67-89.",
    "«Кем приходится»: мать, отец, опекун или иной (пусто — иной законный представитель).",
    "Класс: например 7А; при импорте в выбранный класс столбец можно оставить пустым.",
    "Родителя нескольких детей узнаём по ФИО и телефону (или e-mail): пишите их одинаково.",
    "CSV: кодировка UTF-8, Windows-1251 или UTF-16 («Текст Юникод»), разделитель «;», «,» "
    "или табуляция.",
    "XLSX: читается первый лист; формулы и объединённые ячейки не допускаются.",
    "Фамилии и имена — русскими буквами: похожие латинские (A, C, E, O, P…) заменяются.",
)


def template_xlsx(example_rows: list[list[str]] | None = None) -> bytes:
    """The import template as XLSX: the header row (and example rows), plus instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Список класса"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows or []:
        sheet.append([export_cell(cell) for cell in row])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 22
    help_sheet = workbook.create_sheet("Пояснения")
    for line in INSTRUCTIONS:
        help_sheet.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(
    example_rows: list[list[str]] | None = None, *, encoding: str = "utf-8-sig",
    delimiter: str = ";",
) -> bytes:
    """The import template as CSV (UTF-8 with BOM and «;» opens cleanly in Russian Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows([export_cell(cell) for cell in row] for row in example_rows or [])
    return buffer.getvalue().encode(encoding)
