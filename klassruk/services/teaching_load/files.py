"""The load read from an XLSX or CSV file, and a template to fill in."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError
from klassruk.services.spreadsheets import export_cell, read_table
from klassruk.services.teaching_load.common import fold
from klassruk.services.teaching_load.saving import LoadInput, SaveResult, save_teaching_load

MAX_LOAD_ROWS = 5000


# Accepted header spellings (lower case, ё→е) → field.
HEADERS = {
    "класс или группа": "target",
    "класс/группа": "target",
    "класс": "target",
    "группа": "target",
    "предмет": "subject",
    "учитель": "teacher",
    "педагог": "teacher",
    "часов в неделю": "hours",
    "часы в неделю": "hours",
    "часы": "hours",
    "часов": "hours",
}


TEMPLATE_HEADER = ("Класс или группа", "Предмет", "Учитель", "Часов в неделю")


def parse_load_file(data: bytes, filename: str) -> tuple[list[LoadInput], tuple[str, ...]]:
    """Rows of an XLSX or CSV load file (the header row names the columns), and reading notes."""
    table = read_table(data, filename, max_rows=MAX_LOAD_ROWS)
    columns: dict[str, int] = {}
    for index, title in enumerate(table.header):
        field_name = HEADERS.get(fold(title))
        if field_name and field_name not in columns:
            columns[field_name] = index
    missing = [
        t
        for t, f in zip(TEMPLATE_HEADER, ("target", "subject", "teacher", "hours"), strict=True)
        if f not in columns
    ]
    if missing:
        raise DomainError(
            "В первой строке файла нет столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + ". Нужны столбцы: "
            + ", ".join(f"«{t}»" for t in TEMPLATE_HEADER)
            + "."
        )
    rows = [
        LoadInput(
            row=row.number,
            target=row.get(columns["target"]),
            subject=row.get(columns["subject"]),
            teacher=row.get(columns["teacher"]),
            hours=row.get(columns["hours"]),
        )
        for row in table.rows
    ]
    return rows, table.notes


def import_teaching_load(
    session: Session, actor: Actor, *, data: bytes, filename: str, create_subjects: bool = True
) -> SaveResult:
    """Import load rows from a file (adds and updates; never deletes)."""
    require(actor, Action.MANAGE_TEACHING_LOAD)
    rows, notes = parse_load_file(data, filename)
    result = save_teaching_load(
        session, actor, rows=rows, replace=False, create_subjects=create_subjects
    )
    return replace(result, notes=list(notes))


def template_csv() -> bytes:
    """A sample load file for Russian Excel (Windows-1251, ';')."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    for row in (
        TEMPLATE_HEADER,
        ("7А", "Математика", "Иванова Мария Петровна", "5"),
        ("7А: Английский язык, гр. 1", "Английский язык", "Петров И.С.", "3"),
    ):
        writer.writerow([export_cell(cell) for cell in row])
    return buffer.getvalue().encode("cp1251")
