"""The class journal's exports: the summary and a pupil's card, printed and as XLSX."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from components.class_teacher.class_journal_frames import card_frame, summary_frame
from components.reports.exports import printed_of, workbook_of
from klassruk.services.class_journal.card import student_card
from klassruk.services.class_journal.summary import class_summary
from tests.core.services.reports.school import build_known_class
from tests.factories import act_as


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def test_summary_and_card_files(session):
    known = build_known_class(session)
    ct_a = act_as(session, "ct_a")
    summary = class_summary(session, ct_a, class_id=known.school.class_a,
                            period_id=known.period_id)
    frames = [("Сводка", summary_frame(summary))]
    text = _text(printed_of("Журнал 7А класса: сводка", frames))
    # Васин, Russian: (4 + 5·2 + 3) / 4 = 4,25; Гусев, maths: period grade [3].
    assert "Васин Иван" in text and "4,25" in text and "[3]" in text
    assert "(!) Гусев Иван" in text  # the on-screen ⚠ (average below 3), which the font lacks
    sheet = load_workbook(io.BytesIO(workbook_of(frames)))["Сводка"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    assert rows["Васин Иван"][header.index("Русский язык")] == "4,25"
    card = student_card(session, ct_a, class_id=known.school.class_a,
                        student_id=known.pupils["Васин"], period_id=known.period_id)
    card_text = _text(printed_of(f"Карточка обучающегося: {card.name}",
                                 [(card.period, card_frame(card, False))]))
    assert "Карточка обучающегося: Васин Иван" in card_text and "4 5к 3 4,00 4,25" in card_text
