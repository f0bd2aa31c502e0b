"""Latin look-alike letters in Cyrillic names and class names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.errors import DomainError
from klassruk.models.school import Student
from klassruk.services.roster import preview_import
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.plans import Change, Entity
from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from klassruk.services.roster.templates import template_csv
from klassruk.text.cyrillic import fix_lookalikes, normalize_class_name
from tests.factories import actor_of
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, build_school


def test_lookalikes_inside_cyrillic_words_are_replaced_and_reported():
    fixed = fix_lookalikes("Aнна-Мaрия Smith")  # Latin A and a, an English surname
    assert fixed.text == "Анна-Мария Smith"
    assert fixed.notes == (
        "«Анна»: латинские «A» заменены русскими.",
        "«Мария»: латинские «a» заменены русскими.",
    )
    assert fix_lookalikes("Иванов").notes == ()


def test_a_latin_letter_without_a_cyrillic_twin_is_refused_with_its_position():
    with pytest.raises(DomainError, match=r"В слове «Иvанов» латинская буква «v» \(символ 2\)"):
        fix_lookalikes("Иvанов")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7A", "7А"), ("7 а", "7А"), ("11-b", "11В"), ("7А", "7А"), ("7D", None), ("7", None)],
)
def test_class_names_with_latin_lookalikes(typed, expected):
    assert normalize_class_name(typed) == expected


def _row(class_name: str, first_name: str) -> list[str]:
    row = [class_name, "Орлова", first_name, "", "20.11.2013"]
    return row + [""] * (len(TEMPLATE_COLUMNS) - len(row))


def test_import_fixes_latin_letters_so_the_corrected_file_finds_the_same_student(session):
    school = build_school(session, with_people=False)
    actor = actor_of(session, TEACHER_A)

    def run(call, first_name: str, class_name: str = "7A"):  # «7A» with a Latin A
        return call(
            session, actor, content=template_csv([_row(class_name, first_name)]),
            filename="r.csv", on=ON, class_id=school.class_a,
        )  # fmt: skip

    preview = run(preview_import, "Aнна")  # Latin A
    assert preview.ok, preview.errors
    assert "Строка 2: «Анна»: латинские «A» заменены русскими." in preview.notes
    run(apply_import, "Aнна")
    stored = session.scalars(select(Student.first_name)).all()
    assert stored == ["Анна"]
    again = run(preview_import, "Анна", "7А")
    assert again.count(Entity.STUDENT, Change.UNCHANGED) == 1
    assert not again.has_changes


def test_a_student_stored_with_latin_letters_is_matched_by_the_cyrillic_spelling(session):
    school = build_school(session, with_people=False)
    session.add(Student(last_name="Орлова", first_name="Aнна", birth_date=ON.replace(year=2013)))
    session.flush()
    # The admin: a class teacher matches only own pupils (the import must not tell who exists).
    actor = actor_of(session, ADMIN)
    row = _row("7А", "Анна")
    row[4] = ON.replace(year=2013).strftime("%d.%m.%Y")
    preview = preview_import(
        session, actor, content=template_csv([row]), filename="r.csv", on=ON,
        class_id=school.class_a,
    )  # fmt: skip
    assert preview.count(Entity.STUDENT, Change.CREATE) == 0
