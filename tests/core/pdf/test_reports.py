"""The analytical report's PDF: its text, read back, holds the metrics and the definitions."""

from __future__ import annotations

import io

from pypdf import PdfReader

from klassruk.models.school import SchoolClass
from klassruk.pdf.reports import render_analytical_report
from klassruk.services.reports.analytical import analytical_report
from tests.core.services.reports.school import build_known_class
from tests.factories import act_as
from tests.frozen import TODAY


def test_the_pdf_holds_the_metrics_lists_and_footnotes(session):
    known = build_known_class(session)
    report = analytical_report(
        session,
        act_as(session, "zavuch"),
        class_id=known.school.class_a,
        period_id=known.period_id,
        on=TODAY,
    )
    reader = PdfReader(io.BytesIO(render_analytical_report(report)))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Аналитический отчёт: 7А класс, 2 четверть" in text
    # Overall, then maths now (and in 1 четверть).
    assert "80,0 % 60,0 % 64,4 % 3,90" in text
    assert "63,2 % (60,0 %)" in text and "3,80 (3,80)" in text
    assert "Дронов Иван" in text and "неудовлетворительно: Математика" in text
    assert "Пропущено уроков: 3, из них по уважительной причине: 2" in text
    assert "СОУ (степень обученности) = (1·n5 + 0,64·n4" in text
    assert "Зайцева" not in text


def test_a_class_taught_without_marks_says_so_and_lists_absences(session):
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
    reader = PdfReader(io.BytesIO(render_analytical_report(report)))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "В 7А классе безотметочное обучение" in text
    assert "Пропущено уроков: 3, из них по уважительной причине: 2" in text
    assert "Отличники" not in text and "Успеваемость" not in text
