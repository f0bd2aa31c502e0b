"""Roster import on real files: CSV in UTF-8 and Windows-1251, XLSX; errors per row; idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.errors import DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models import AuditLog
from klassruk.models.school import Enrolment, Guardian, GuardianLink, Relation, Student
from klassruk.services.roster import preview_import
from klassruk.services.roster.applying import apply_import
from klassruk.services.roster.plans import Change, Entity
from klassruk.services.roster.rows import TEMPLATE_COLUMNS
from klassruk.services.roster.templates import template_csv, template_xlsx
from tests.factories import SYSTEM, actor_of
from tests.schools.roster_school import ADMIN, ON, TEACHER_A, TEACHER_B, TinySchool, build_school

EMPTY_GUARDIAN = ["", "", "", "", "", ""]
ROWS = [
    ["7А", "Петров", "Никита", "Олегович", "12.05.2013",
     "Петрова", "Ольга", "Ивановна", "мать", "8 (912) 345-67-89", "olga@mail.example",
     "Петров", "Олег", "Ильич", "отец", "+7 912 000-11-22", ""],
    ["7А", "Петрова", "Алёна", "Олеговна", "01.02.2014",
     "Петрова", "Ольга", "Ивановна", "мать", "+79123456789", "",
     *EMPTY_GUARDIAN],
    ["7а", "Ёлкин", "Тимофей", "", "2013-07-30",
     "Ёлкина", "Дарья", "", "опекун", "", "darya@yandex.example",
     *EMPTY_GUARDIAN],
]


def _csv_utf8(rows) -> bytes:
    return template_csv(rows, encoding="utf-8", delimiter=",")


def _csv_cp1251(rows) -> bytes:
    return template_csv(rows, encoding="cp1251", delimiter=";")


FORMATS = {
    "utf8.csv": _csv_utf8,
    "cp1251.csv": _csv_cp1251,
    "roster.xlsx": template_xlsx,
}


@pytest.fixture
def school(factory: sessionmaker[Session]) -> TinySchool:
    with unit_of_work(factory, SYSTEM) as session:
        return build_school(session)


def _run(factory, login, content, filename, *, apply=False, class_id=None):
    with factory() as session:
        actor = actor_of(session, login)
    with unit_of_work(factory, actor) as session:
        call = apply_import if apply else preview_import
        return call(
            session, actor, content=content, filename=filename, on=ON, class_id=class_id
        )


def _counts(factory) -> tuple[int, int, int, int, int]:
    with factory() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Student, Guardian, GuardianLink, Enrolment, AuditLog)
        )


@pytest.mark.parametrize("filename", list(FORMATS))
def test_each_file_format_previews_then_imports_then_reimports_as_unchanged(
    factory, school, filename
):
    content = FORMATS[filename](ROWS)
    before = _counts(factory)
    preview = _run(factory, TEACHER_A, content, filename, class_id=school.class_a)
    assert preview.ok, preview.errors
    assert preview.count(Entity.STUDENT, Change.CREATE) == 3
    # Петрова Ольга is the mother of both Petrovs: one guardian, two links.
    assert preview.count(Entity.GUARDIAN, Change.CREATE) == 3
    assert preview.count(Entity.LINK, Change.CREATE) == 4
    assert _counts(factory) == before  # the preview writes nothing

    _run(factory, TEACHER_A, content, filename, apply=True, class_id=school.class_a)
    with factory() as session:
        olga = session.scalar(select(Guardian).where(Guardian.first_name == "Ольга"))
        assert olga.phone == "+79123456789" and olga.email == "olga@mail.example"
        timofey = session.scalar(select(Student).where(Student.first_name == "Тимофей"))
        assert timofey.last_name == "Ёлкин" and timofey.birth_date.isoformat() == "2013-07-30"
        link = session.scalar(
            select(GuardianLink).where(GuardianLink.student_id == timofey.id)
        )
        assert link.relation is Relation.GUARDIAN
    after_first = _counts(factory)

    again = _run(factory, TEACHER_A, content, filename, class_id=school.class_a)
    assert again.ok and not again.has_changes
    assert {line.change for line in again.lines} == {Change.UNCHANGED}
    _run(factory, TEACHER_A, content, filename, apply=True, class_id=school.class_a)
    assert _counts(factory)[:4] == after_first[:4]
    # Nothing changed, so nothing was audited either.
    assert _counts(factory)[4] == after_first[4]


def test_admin_imports_for_the_whole_school_by_the_class_column(factory, school):
    rows = [ROWS[0], ["7Б", "Кузнецов", "Марк", "", "03.03.2013", *EMPTY_GUARDIAN,
                      *EMPTY_GUARDIAN]]
    preview = _run(factory, ADMIN, _csv_utf8(rows), "x.csv", apply=True)
    assert {line.class_name for line in preview.lines} == {"7А", "7Б"}


def test_every_error_kind_is_reported_with_its_row_and_nothing_is_written(factory, school):
    rows = [
        ["7А", "", "Никита", "", "12.05.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 2
        ["7А", "Сидоров", "Иван", "", "31.02.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 3
        ["7А", "Орлова", "Вера", "", "01.09.2013",
         "Орлова", "Нина", "", "мать", "", "nina@@mail", *EMPTY_GUARDIAN],  # 4
        ["7А", "Титов", "Лев", "", "01.09.2013",
         "Титова", "Эла", "", "мать", "12345", "", *EMPTY_GUARDIAN],  # 5
        ["7А", "Верный", "Олег", "", "01.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 6
        ["7А", "ВЕРНЫЙ", "олег", "", "01.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 7
        ["7А", "Иванов", "Илья", "", "09.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 8
        ["7А", "Котов", "Ян", "", "01.01.2013",
         "", "Мила", "", "бабушка", "", "", *EMPTY_GUARDIAN],  # 9
        ["7А", "Смелый", "Юрий", "", "01.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],  # 10
    ]
    content = _csv_cp1251(rows)
    before = _counts(factory)
    preview = _run(factory, TEACHER_A, content, "bad.csv", class_id=school.class_a)
    by_row: dict[int, list[str]] = {}
    for error in preview.errors:
        by_row.setdefault(error.row, []).append(error.message)
    assert "Не указана фамилия обучающегося." in by_row[2]
    assert any("Неверная дата рождения «31.02.2013»" in m for m in by_row[3])
    assert any("Неверный адрес e-mail «nina@@mail»" in m for m in by_row[4])
    assert any("Неверный номер телефона «12345»" in m for m in by_row[5])
    assert 6 not in by_row
    assert any("повторяется в файле (см. строку 6)" in m for m in by_row[7])
    # A pupil of another class is not matched: the row reads as a new pupil's (test_scope_people).
    assert 8 not in by_row
    assert any("Не указана фамилия представителя 1" in m for m in by_row[9])
    assert any("Неизвестное значение «бабушка»" in m for m in by_row[9])
    assert 10 not in by_row
    with pytest.raises(DomainError, match="ничего не записано"):
        _run(factory, TEACHER_A, content, "bad.csv", apply=True, class_id=school.class_a)
    assert _counts(factory) == before


def test_wrong_template_is_refused_with_a_clear_message(factory, school):
    content = "ФИО;Класс;Телефон\r\nИванов Иван;7А;89120000000\r\n".encode("cp1251")
    with pytest.raises(DomainError, match="не похож на шаблон"):
        _run(factory, TEACHER_A, content, "other.csv", class_id=school.class_a)
    with pytest.raises(DomainError, match="XLSX и CSV"):
        _run(factory, TEACHER_A, b"%PDF-1.7", "roster.pdf", class_id=school.class_a)
    with pytest.raises(DomainError, match="назван как XLSX, но это текстовый файл"):
        _run(factory, TEACHER_A, b"not a zip", "roster.xlsx", class_id=school.class_a)


def test_row_for_another_class_is_an_error_in_a_class_import(factory, school):
    rows = [["7Б", "Котов", "Ян", "", "01.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN]]
    preview = _run(factory, TEACHER_A, _csv_utf8(rows), "x.csv", class_id=school.class_a)
    assert [e.row for e in preview.errors] == [2]
    assert "относится к классу 7Б" in preview.errors[0].message


def test_class_teacher_cannot_import_into_another_class(factory, school):
    content = _csv_utf8(ROWS)
    with pytest.raises(PermissionDenied):
        _run(factory, TEACHER_B, content, "x.csv", class_id=school.class_a)
    # Without a chosen class, rows of a foreign class are row errors, not silent imports.
    rows = [["7А", "Котов", "Ян", "", "01.01.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN]]
    with pytest.raises(DomainError, match="Выберите класс"):
        _run(factory, TEACHER_B, _csv_utf8(rows), "x.csv")


def test_existing_guardian_gets_a_new_phone_and_an_existing_student_is_matched(factory, school):
    # Иванов Пётр and his father are in the database already; the file adds his e-mail.
    rows = [["7А", "Иванов", "Петр", "", "04.03.2013",
             "Иванов", "Сергей", "Петрович", "отец", "", "s@mail.example",
             *EMPTY_GUARDIAN]]
    preview = _run(factory, TEACHER_A, _csv_utf8(rows), "x.csv", class_id=school.class_a)
    assert preview.ok, preview.errors
    changes = {(line.entity, line.change) for line in preview.lines}
    assert changes == {
        (Entity.STUDENT, Change.UNCHANGED),
        (Entity.GUARDIAN, Change.UPDATE),
        (Entity.LINK, Change.UNCHANGED),
    }


def test_template_has_the_expected_header():
    text = template_csv().decode("utf-8-sig")
    assert text.strip() == ";".join(TEMPLATE_COLUMNS)
    assert template_xlsx()[:2] == b"PK"




def test_names_with_invisible_or_odd_characters_are_refused_by_row(factory, school):
    rows = [
        ["7А", "Пет\u200bров", "Никита", "", "12.05.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],
        ["7А", "Иванов", "=Иван", "", "12.05.2013", *EMPTY_GUARDIAN, *EMPTY_GUARDIAN],
        ["7А", "Сидоров", "Олег", "", "12.05.2013",
         "Сидорова", "Анна\u00ad", "", "мать", "+77912345678", "anna@mail..ru",
         *EMPTY_GUARDIAN],
    ]  # fmt: skip
    before = _counts(factory)
    preview = _run(factory, TEACHER_A, _csv_utf8(rows), "names.csv", class_id=school.class_a)
    by_row: dict[int, list[str]] = {}
    for error in preview.errors:
        by_row.setdefault(error.row, []).append(error.message)
    assert any("недопустимый символ U+200B (невидимый пробел)" in m for m in by_row[2])
    assert any("недопустимый символ «=» (U+003D)" in m for m in by_row[3])
    assert any("U+00AD (мягкий перенос)" in m for m in by_row[4])
    assert any("Неверный номер телефона «+77912345678»" in m for m in by_row[4])
    assert any("Неверный адрес e-mail «anna@mail..ru»" in m for m in by_row[4])
    with pytest.raises(DomainError):
        _run(factory, TEACHER_A, _csv_utf8(rows), "names.csv", apply=True,
             class_id=school.class_a)  # fmt: skip
    assert _counts(factory) == before
