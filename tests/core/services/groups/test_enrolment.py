"""Enrolment puts a student in the class's whole-class group; a migration repairs old databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from klassruk.infra.db import make_engine, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from klassruk.models.school import SchoolClass
from klassruk.services import groups, journal
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.templates import template_csv
from tests.conftest import upgrade_to_before
from tests.factories import SYSTEM, actor_of
from tests.schools.roster_school import ON, TEACHER_A, build_school

NEWCOMER = [
    "7А", "Петров", "Никита", "", "12.05.2013",
    "Петрова", "Ольга", "", "мать", "", "", "", "", "", "", "", "",
]  # fmt: skip


def test_imported_student_joins_the_whole_class_group_from_the_import_date(factory):
    with unit_of_work(factory, SYSTEM) as session:
        school = build_school(session)
        school_class = session.get(SchoolClass, school.class_a)
        assert school_class is not None
        # Created after Пётр and Анна were enrolled: it is filled from their enrolments.
        group_id = groups.whole_class_group(session, school_class).id
    with factory() as session:
        actor = actor_of(session, TEACHER_A)
    with unit_of_work(factory, actor) as session:
        content = template_csv([NEWCOMER], encoding="utf-8", delimiter=";")
        apply_import(
            session, actor, content=content, filename="r.csv", on=ON, class_id=school.class_a
        )
    with factory() as session:
        newcomer = session.scalar(text("SELECT id FROM student WHERE first_name = 'Никита'"))
        intervals = journal.roster_intervals(session, group_id, 1, date(2026, 9, 1), ON)
        for student_id in (school.petr, school.anna, newcomer):
            assert journal.is_in_lesson(intervals, student_id, ON)
        # Not before the day of the import.
        assert not journal.is_in_lesson(intervals, newcomer, date(2026, 9, 30))
        assert journal.is_in_lesson(intervals, school.petr, date(2026, 9, 1))


def test_migration_adds_missing_whole_class_memberships(database_url):
    upgrade_to_before(database_url, "0006")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO school_year (id, name, starts_on, ends_on, is_current) "
                "VALUES (1, '2026/2027', '2026-09-01', '2027-05-31', TRUE)",
                "INSERT INTO school_class (id, school_year_id, grade, letter) "
                "VALUES (1, 1, 7, 'А')",
                "INSERT INTO study_group (id, school_year_id, class_id, kind, name) "
                "VALUES (1, 1, 1, 'whole_class', '7А'), (2, 1, 1, 'subgroup', '7А гр. 1')",
                "INSERT INTO student (id, last_name, first_name) "
                "VALUES (1, 'Старый', 'Ученик'), (2, 'Новый', 'Ученик'), (3, 'Ушедший', 'Ученик')",
                "INSERT INTO enrolment (student_id, class_id, starts_on, ends_on) VALUES "
                "(1, 1, '2026-09-01', NULL), (2, 1, '2026-10-05', NULL),"
                " (3, 1, '2026-09-01', '2026-10-01')",
                # Only the old student has his whole-class row (as the demo and the wizard made).
                "INSERT INTO group_membership (group_id, student_id, starts_on) "
                "VALUES (1, 1, '2026-09-01'), (2, 2, '2026-10-05')",
            ):
                connection.execute(text(statement))
        upgrade_to_head(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT student_id, starts_on, ends_on FROM group_membership "
                    "WHERE group_id = 1 ORDER BY student_id"
                )
            ).all()
    finally:
        engine.dispose()
    assert [(r[0], str(r[1]), r[2] and str(r[2])) for r in rows] == [
        (1, "2026-09-01", None),
        (2, "2026-10-05", None),
        (3, "2026-09-01", "2026-10-01"),
    ]
