"""Paper extracts of a class: the number of queries does not grow with the range or the class."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from klassruk.errors import PermissionDenied
from klassruk.pdf.extracts import render_extracts
from klassruk.services.extracts.register import extract_register, reprint_extract
from tests.core.services.extracts.test_extracts import ON, WEEK, _print, school  # noqa: F401  (the fixture)
from tests.core.services.statements import count_statements
from tests.factories import actor_of


def test_a_month_of_extracts_takes_as_many_queries_as_a_week(session, school):  # noqa: F811
    week = count_statements(session.get_bind(), lambda: _print(session, school))
    month = count_statements(
        session.get_bind(),
        lambda: _print(session, school, date_from=WEEK[0], date_to=date(2026, 10, 11)),
    )
    assert month == week


def test_a_reprint_gets_a_new_number_that_refers_to_the_old_one(session, school):  # noqa: F811
    (first,) = _print(session, school)
    actor = session.info["actor"]
    again = reprint_extract(session, actor, extract_id=first.number, on=ON)
    assert again.number != first.number and again.reprint_of == first.number
    assert (again.student, again.guardian, again.date_from, again.date_to) == (
        first.student, first.guardian, first.date_from, first.date_to,
    )
    register = extract_register(session, actor, class_id=school.two.class_a, on=ON)
    assert [(r.number, r.reprint_of) for r in register] == [
        (again.number, first.number), (first.number, None),
    ]
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(
            render_extracts([again], school_name="Школа", timezone="Europe/Moscow")
        )).pages
    )
    assert f"взамен выписки № {first.number}" in text


def test_another_class_teacher_may_not_reprint(session, school):  # noqa: F811
    (first,) = _print(session, school)
    stranger = actor_of(session, "ct_b")
    session.info["actor"] = stranger
    with pytest.raises(PermissionDenied):
        reprint_extract(session, stranger, extract_id=first.number, on=ON)
