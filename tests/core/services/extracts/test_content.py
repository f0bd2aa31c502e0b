"""What an extract shows: the range's journal for the family, and its PDF."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from klassruk.models.extracts import PaperExtract
from klassruk.models.journal import GradeKind
from klassruk.pdf.extracts import render_extracts
from tests.core.services.extracts.printed import WEEK, print_week


def test_the_paper_list_gets_an_extract_of_the_range_with_everything_the_family_must_see(
    session, school
):
    (extract,) = print_week(session, school)
    assert extract.student == "Орлов Пётр" and extract.guardian == "Орлова Елена"
    (math,) = extract.subjects
    assert [(g.on, g.value, g.kind) for g in math.grades] == [
        (date(2026, 9, 7), 5, GradeKind.TEST),
        (date(2026, 9, 7), 4, GradeKind.HOMEWORK),
        (date(2026, 9, 9), 3, GradeKind.CLASSWORK),
    ]
    assert math.average == 4.25 and math.absences == 1
    assert [line.text for line in extract.homework] == ["№ 12, 14 на с. 31"]
    assert [line.text for line in extract.tests] == ["Дроби"]
    assert "отмена урока" in extract.changes[0].text
    assert extract.recommendations[0].text.startswith("Повторить таблицу умножения")
    assert [line.text for line in extract.absences] == ["Б — болезнь"]
    row = session.get(PaperExtract, extract.number)
    assert row.printed_by == "ct_a" and len(row.covered["grades"]) == 3
    assert (row.date_from, row.date_to) == WEEK


def test_the_pdf_holds_the_grades_and_the_tear_off_slip(session, school):
    extracts = print_week(session, school)
    pdf = render_extracts(extracts, school_name="Школа № 7", timezone="Europe/Moscow")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    number = extracts[0].number
    assert f"Выписка из электронного журнала № {number}" in text
    # A week gets a column per day, as an e-diary shows it.
    assert "Пн 07.09" in text and "Ср 09.09" in text and "Вс 13.09" not in text
    assert "5к 4д" in text and "4,25" in text
    # The guardian (Орлова Елена) signs in her gender.
    assert "С информацией ознакомлена:" in text and f"Талон к выписке № {number}" in text
    assert "Орлова Елена" in text and "Дроби" in text
