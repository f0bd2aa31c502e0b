"""One reader for every upload: bad files get a Russian message and change nothing."""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Role
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models import Base
from klassruk.models.school import Staff
from klassruk.services.roster import preview_import
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from klassruk.services.roster.templates import template_csv, template_xlsx
from klassruk.services.spreadsheets import export_cell, read_table
from klassruk.services.teaching_load import files as load_files
from klassruk.services.teaching_load.files import import_teaching_load
from klassruk.services.timetable.slot_import import import_slots
from klassruk.text.formatting import quote
from tests.core.bad_files import BAD_FILES, ODD_BUT_READABLE, ROW, template_xlsx_file
from tests.factories import SYSTEM, actor_of, make_account
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, TinySchool, build_school

DEPUTY = "zavuch.t"
GUARDIAN_2 = ["", "", "", "", "", ""]


@pytest.fixture
def school(factory: sessionmaker[Session]) -> TinySchool:
    with unit_of_work(factory, SYSTEM) as session:
        built = build_school(session)
        deputy = Staff(last_name="Завучева", first_name="Анна")
        session.add(deputy)
        session.flush()
        make_account(session, DEPUTY, {Role.DEPUTY_HEAD}, staff_id=deputy.id)
        return built


def _rows_in_database(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        return {
            name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
        }


def _roster(session: Session, content: bytes, filename: str, school: TinySchool) -> object:
    actor = actor_of(session, TEACHER_A)
    return apply_import(
        session, actor, content=content, filename=filename, on=ON, class_id=school.class_a
    )


def _load(session: Session, content: bytes, filename: str, _school: TinySchool) -> object:
    actor = actor_of(session, ADMIN)
    return import_teaching_load(session, actor, data=content, filename=filename)


def _timetable(session: Session, content: bytes, filename: str, _school: TinySchool) -> object:
    actor = actor_of(session, DEPUTY)
    return import_slots(session, actor, data=content, filename=filename)


IMPORTS: dict[str, Callable[[Session, bytes, str, TinySchool], object]] = {
    "roster": _roster,
    "teaching_load": _load,
    "timetable": _timetable,
}


@pytest.mark.parametrize("importer", list(IMPORTS))
@pytest.mark.parametrize("bad", list(BAD_FILES))
def test_bad_file_gets_its_russian_message_and_changes_nothing(factory, school, bad, importer):
    filename, build, message = BAD_FILES[bad]
    content = build()
    before = _rows_in_database(factory)
    with (
        pytest.raises(DomainError, match=message) as error,
        unit_of_work(factory, SYSTEM) as session,
    ):
        IMPORTS[importer](session, content, filename, school)
    assert len(str(error.value)) < 400  # never echoes the whole input
    assert _rows_in_database(factory) == before


def test_a_sheet_declaring_a_million_rows_is_read_by_its_real_rows():
    filename, build = ODD_BUT_READABLE["million_rows_declared"]
    table = read_table(build(), filename, max_rows=5000)
    assert table.header == TEMPLATE_COLUMNS
    assert [row.number for row in table.rows] == [1_048_576]


@pytest.mark.parametrize("seed", range(40))
def test_a_randomly_damaged_xlsx_is_a_message_never_a_crash(seed):
    rng = random.Random(seed)
    content = bytearray(template_xlsx_file())
    if seed % 4 == 0:
        content = content[: rng.randrange(4, len(content))]
    for _ in range(1 + seed % 5):
        content[rng.randrange(len(content))] = rng.randrange(256)
    try:
        read_table(bytes(content), "spisok.xlsx", max_rows=5000)
    except DomainError as error:
        assert len(str(error)) < 400


@pytest.mark.parametrize(
    "value", [" =1+1", "\u200b=HYPERLINK(\"x\")", "\ufeff@SUM(A1)", "\uff1dSUM(A1)", "\nx", "\t=1"]
)
def test_formula_signs_behind_spaces_or_invisible_characters_are_neutralised(value):
    assert export_cell(value) == "'" + value


def _preview(factory, content: bytes, filename: str, school: TinySchool):
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, TEACHER_A)
        return preview_import(
            session, actor, content=content, filename=filename, on=ON, class_id=school.class_a
        )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv_is_read_with_or_without_a_byte_order_mark(factory, school, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([*ROW, *GUARDIAN_2])
    preview = _preview(factory, buffer.getvalue().encode(encoding), "unicode.txt", school)
    assert preview.ok, preview.errors
    assert [line.name for line in preview.lines][:2] == ["Петров Никита", "Петрова Ольга"]


def test_row_numbers_count_blank_rows_in_csv_and_xlsx(factory, school):
    bad = ["7А", "Сидоров", "Олег", "", "31.02.2013"]
    rows = [[*ROW, *GUARDIAN_2], [], [], [], bad]
    csv_content = template_csv(rows)
    book = load_workbook(io.BytesIO(template_xlsx([[*ROW, *GUARDIAN_2]])))
    sheet = book.worksheets[0]
    sheet["A6"], sheet["B6"], sheet["C6"], sheet["E6"] = "7А", "Сидоров", "Олег", "31.02.2013"
    buffer = io.BytesIO()
    book.save(buffer)
    for content, name in ((csv_content, "r.csv"), (buffer.getvalue(), "r.xlsx")):
        preview = _preview(factory, content, name, school)
        assert [e.row for e in preview.errors] == [6], name
        assert preview.lines[0].row == 2


def test_the_sheet_read_is_named_when_the_file_has_several(factory, school):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Мой класс"
    sheet.append(list(TEMPLATE_COLUMNS))
    sheet.append([*ROW, *GUARDIAN_2])
    book.create_sheet("Черновик").append(["что-то ещё"])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = _preview(factory, buffer.getvalue(), "r.xlsx", school)
    assert preview.ok
    assert any("«Мой класс»" in n and "«Черновик»" in n for n in preview.notes)


def test_exported_cells_are_never_formulas_and_read_back_unchanged():
    dangerous = ["=HYPERLINK(\"http://x\")", "+7 912 000-11-22", "-1", "@SUM(A1)", "Иванов"]
    assert [export_cell(v) for v in dangerous] == [
        "'=HYPERLINK(\"http://x\")", "'+7 912 000-11-22", "'-1", "'@SUM(A1)", "Иванов"
    ]  # fmt: skip
    row = dangerous + [""] * (len(TEMPLATE_COLUMNS) - len(dangerous))
    fields = list(csv.reader(io.StringIO(template_csv([row]).decode("utf-8-sig")), delimiter=";"))
    assert fields[1][:4] == ["'=HYPERLINK(\"http://x\")", "'+7 912 000-11-22", "'-1", "'@SUM(A1)"]
    for content, name in ((template_csv([row]), "t.csv"), (template_xlsx([row]), "t.xlsx")):
        table = read_table(content, name, max_rows=10)
        assert list(table.rows[0].cells[:5]) == dangerous
    sheet = load_workbook(io.BytesIO(template_xlsx([row]))).worksheets[0]
    assert sheet["A2"].data_type == "s"
    load_template = load_files.template_csv().decode("cp1251")
    assert not any(line.startswith(("=", "+", "-", "@")) for line in load_template.splitlines())


def test_quote_keeps_a_short_prefix():
    assert quote("Иванов") == "«Иванов»"
    assert quote("Щ" * 100_000) == "«" + "Щ" * 40 + "…»"


def test_utf8_bom_and_cp1251_still_read():
    text = ";".join(TEMPLATE_COLUMNS) + "\r\n" + ";".join(ROW) + "\r\n"
    for content in (codecs.BOM_UTF8 + text.encode(), text.encode("cp1251")):
        table = read_table(content, "r.csv", max_rows=10)
        assert table.rows[0].cells[1] == "Петров" and table.rows[0].number == 2
