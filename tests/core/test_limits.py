"""Lengths and ranges come from the model columns: refused with a short Russian message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError
from klassruk.infra.limits import max_length
from klassruk.models.journal import TimetableSlot
from klassruk.models.school import Student, Subject
from klassruk.services.roster import preview_import
from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from klassruk.services.roster.templates import template_csv
from klassruk.services.teaching_load.subjects import add_subject
from tests.factories import actor_of
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, build_school

HUGE = "Щ" * 100_000


def test_a_too_long_name_is_refused_before_the_database_sees_it(session):
    build_school(session, with_people=False)
    actor = actor_of(session, ADMIN)
    with pytest.raises(DomainError, match="Название: не больше 100 символов") as error:
        add_subject(session, actor, name=HUGE)
    # The message quotes a short prefix, not the 100,000 characters typed.
    assert len(str(error.value)) < 200
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Subject)) == 0


def test_every_flush_checks_string_lengths_and_integer_ranges(session):
    session.add(Student(last_name="Ж" * 101, first_name="Анна"))
    with pytest.raises(DomainError, match="Фамилия: не больше 100 символов"):
        session.flush()
    session.rollback()
    session.add(
        TimetableSlot(
            school_year_id=1, group_id=1, subject_id=1, staff_id=1, weekday=1,
            lesson_number=70_000,
        )
    )  # fmt: skip
    with pytest.raises(DomainError, match="вне допустимого диапазона"):
        session.flush()
    session.rollback()
    assert max_length(Student.last_name) == 100


def test_roster_preview_reports_a_too_long_surname_with_a_short_quote(session):
    school = build_school(session, with_people=False)
    row = ["7А", "Д" * 5_000, "Анна", "", "12.05.2013"]
    row += [""] * (len(TEMPLATE_COLUMNS) - len(row))
    actor = actor_of(session, TEACHER_A)
    preview = preview_import(
        session, actor, content=template_csv([row]), filename="r.csv", on=ON,
        class_id=school.class_a,
    )  # fmt: skip
    assert [e.row for e in preview.errors] == [2]
    message = preview.errors[0].message
    assert "Фамилия: не больше 100 символов" in message and len(message) < 200
