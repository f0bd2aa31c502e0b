"""The load imported from files: XLSX, CSV in two encodings, refused files."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from klassruk.errors import DomainError
from klassruk.models.school import Subject
from klassruk.services.teaching_load.files import import_teaching_load
from tests.core.services.teaching_load.rows import load_rows
from tests.factories import act_as

CSV_ROWS = [
    ["Класс или группа", "Предмет", "Учитель", "Часов в неделю"],
    ["8А", "Физическая культура", "Физрукова Анна Ивановна", "3"],
    ["8А", "Технология", "Физрукова А.И.", "1,5"],
]


def _csv(delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(CSV_ROWS)  # quotes "1,5" when needed
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (_csv(",", "utf-8-sig"), "load.csv"),
        (_csv(";", "cp1251"), "НАГРУЗКА.CSV"),
    ],
)
def test_csv_import_in_both_encodings_adds_rows_and_subjects(session, school, data, filename):
    actor = act_as(session, "zavuch")
    result = import_teaching_load(session, actor, data=data, filename=filename)
    assert (result.created, result.updated, result.new_subjects) == (2, 0, ["Технология"])
    assert ("8А", "Технология", "Физрукова Анна Ивановна", 1.5) in load_rows(session, actor)


def test_xlsx_import(session, school):
    workbook = Workbook()
    sheet = workbook.active
    for row in CSV_ROWS:
        sheet.append(row)
    sheet["D2"] = 3  # a real number cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    actor = act_as(session, "zavuch")
    result = import_teaching_load(
        session, actor, data=buffer.getvalue(), filename="load.xlsx"
    )
    assert (result.created, result.new_subjects) == (2, ["Технология"])
    added = ("8А", "Физическая культура", "Физрукова Анна Ивановна", 3.0)
    assert added in load_rows(session, actor)


def test_xlsx_import_without_new_subjects_reports_the_row(session, school):
    workbook = Workbook()
    for row in CSV_ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="строка 3: предмет «Технология» не найден"):
        import_teaching_load(
            session, actor, data=buffer.getvalue(), filename="load.xlsx", create_subjects=False
        )
    assert session.scalar(select(Subject.id).where(Subject.name == "Технология")) is None


def test_file_without_the_columns_or_of_another_type_is_refused(session, school):
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="нет столбцов: «Учитель»"):
        import_teaching_load(
            session,
            actor,
            data="Класс;Предмет;Часы\n7А;Математика;5".encode("cp1251"),
            filename="a.csv",
        )
    with pytest.raises(DomainError, match="XLSX и CSV"):
        import_teaching_load(session, actor, data=b"x", filename="a.doc")
    with pytest.raises(DomainError, match="назван как XLSX"):
        import_teaching_load(session, actor, data=b"not a zip", filename="a.xlsx")
