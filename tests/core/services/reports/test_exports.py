"""Reports as XLSX: the figures in their cells, and no cell that a spreadsheet would run."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from klassruk.models.school import SchoolClass, Student
from klassruk.services.reports.analytical import analytical_report
from klassruk.services.reports.exports import analytical_report_xlsx
from tests.core.services.reports.school import build_known_class
from tests.factories import act_as
from tests.frozen import TODAY


def test_analytical_report_workbook(session):
    known = build_known_class(session)
    pupil = session.scalar(select(Student).where(Student.last_name == "Гусев"))
    assert pupil is not None
    pupil.last_name = '=HYPERLINK("http://x")'
    session.flush()
    report = analytical_report(
        session,
        act_as(session, "zavuch"),
        class_id=known.school.class_a,
        period_id=known.period_id,
        on=TODAY,
    )
    book = load_workbook(io.BytesIO(analytical_report_xlsx(report)))
    assert book.sheetnames == ["Класс", "Предметы", "Списки", "Обучающиеся", "Определения"]
    summary = list(book["Класс"].iter_rows(values_only=True))
    assert summary[1][:7] == ("7А", "2 четверть", 5, 80.0, 60.0, 64.4, 3.9)
    subjects = {row[0]: row for row in book["Предметы"].iter_rows(min_row=2, values_only=True)}
    assert subjects["Математика"][2:12] == (5, 80.0, 60.0, 63.2, 3.8, 2, 1, 1, 1, 0)
    lists = list(book["Списки"].iter_rows(min_row=2, values_only=True))
    assert ("С одной «3»", '\'=HYPERLINK("http://x") Иван') in lists
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)


def test_a_class_taught_without_marks_gets_a_workbook_of_absences(session):
    known = build_known_class(session)
    session.get_one(SchoolClass, known.school.class_a).without_marks = True
    session.flush()
    report = analytical_report(
        session,
        act_as(session, "zavuch"),
        class_id=known.school.class_a,
        period_id=known.period_id,
        on=TODAY,
    )
    book = load_workbook(io.BytesIO(analytical_report_xlsx(report)))
    assert book.sheetnames == ["Класс", "Обучающиеся"]  # no metrics, lists of «нет» or dashes
    summary = list(book["Класс"].iter_rows(values_only=True))
    assert summary[1][:4] == ("7А", "2 четверть", 3, 2)
    assert "безотметочное обучение" in summary[1][5]
