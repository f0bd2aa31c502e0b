"""Teaching load: table save, file import (XLSX, CSV in two encodings), row-numbered errors."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import SchoolClass, Subject, TeachingAssignment
from klassruk.services.teaching_load.class_teachers import class_teachers, set_class_teacher
from klassruk.services.teaching_load.files import import_teaching_load
from klassruk.services.teaching_load.saving import LoadInput, save_teaching_load
from klassruk.services.teaching_load.subjects import add_subject
from klassruk.services.teaching_load.table import teacher_totals, teaching_load
from tests.core.services.groups.group_school import ENGLISH, build_school, split_english
from tests.factories import act_as


@pytest.fixture
def school(session):
    return build_school(session)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(TeachingAssignment))


def _load(session, actor) -> set[tuple[str, str, str, float]]:
    return {
        (r.target, r.subject, r.teacher, r.hours_per_week)
        for r in teaching_load(session, actor)
    }


def test_table_save_updates_adds_and_with_replace_removes(session, school):
    actor = act_as(session, "zavuch")
    rows = [
        LoadInput(1, "7А", ENGLISH, "Инглишева Анна Ивановна", "2,5"),  # new teacher and hours
        LoadInput(2, "7 а", "Математика", "Математова А.И.", 5),  # short name, loose class
        LoadInput(3, "", "", "", ""),  # blank line is skipped
    ]
    result = save_teaching_load(session, actor, rows=rows, replace=True)
    assert (result.created, result.updated, result.deleted) == (0, 1, 4)
    assert _load(session, actor) == {
        ("7А", ENGLISH, "Инглишева Анна Ивановна", 2.5),
        ("7А", "Математика", "Математова Анна Ивановна", 5.0),
    }


def test_bad_rows_are_listed_by_number_and_nothing_is_saved(session, school):
    actor = act_as(session, "zavuch")
    before = _count(session)
    rows = [
        LoadInput(2, "7А", "Математика", "Математова Анна Ивановна", "6"),
        LoadInput(3, "9Б", "Математика", "Математова Анна Ивановна", "1"),
        LoadInput(4, "7А", "Астрология", "Математова Анна Ивановна", "1"),
        LoadInput(5, "7А", "Информатика", "Неизвестный Н.Н.", "1"),
        LoadInput(6, "8А", "Математика", "Математова Анна Ивановна", "ноль"),
        LoadInput(7, "7А", "математика", "Математова Анна Ивановна", "5"),
    ]
    with pytest.raises(DomainError) as error:
        save_teaching_load(session, actor, rows=rows, replace=False)
    message = str(error.value)
    assert "строка 3: класс или группа «9Б» не найдены" in message
    assert "строка 4: предмет «Астрология» не найден" in message
    assert "строка 5: учитель «Неизвестный Н.Н.» не найден" in message
    assert "строка 6: часы в неделю «ноль»" in message
    assert "строка 7: этот предмет в «7А» уже указан в строке 2" in message
    assert "строка 2" not in message.split("строка 7")[0]
    assert _count(session) == before
    hours = session.scalar(
        select(TeachingAssignment.hours_per_week).where(
            TeachingAssignment.subject_id == school.sid("Математика"),
            TeachingAssignment.hours_per_week == 6,
        )
    )
    assert hours is None


def test_a_split_subject_needs_the_group_not_the_class(session, school):
    split_english(session, school, act_as(session, "kl7"))
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="строка 1: в 7А предмет «Английский язык» разделён"):
        save_teaching_load(
            session, actor, rows=[LoadInput(1, "7А", ENGLISH, "Англова А.И.", 3)], replace=False
        )
    result = save_teaching_load(
        session,
        actor,
        rows=[LoadInput(1, "7А: Английский язык, гр. 2", ENGLISH, "Англова А.И.", 2)],
        replace=False,
    )
    assert result.updated == 1


CSV_ROWS = [
    ["Класс или группа", "Предмет", "Учитель", "Часов в неделю"],
    ["8А", "Физическая культура", "Физрукова Анна Ивановна", "3"],
    ["8А", "Технология", "Физрукова А.И.", "1,5"],
]


def _csv(delimiter: str, encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(CSV_ROWS)  # quotes "1,5" when needed
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (_csv(",", "utf-8-sig"), "load.csv"),
        (_csv(";", "cp1251"), "НАГРУЗКА.CSV"),
    ],
)
def test_csv_import_in_both_encodings_adds_rows_and_subjects(session, school, data, filename):
    actor = act_as(session, "zavuch")
    result = import_teaching_load(session, actor, data=data, filename=filename)
    assert (result.created, result.updated, result.new_subjects) == (2, 0, ["Технология"])
    assert ("8А", "Технология", "Физрукова Анна Ивановна", 1.5) in _load(session, actor)


def test_xlsx_import(session, school):
    workbook = Workbook()
    sheet = workbook.active
    for row in CSV_ROWS:
        sheet.append(row)
    sheet["D2"] = 3  # a real number cell
    buffer = io.BytesIO()
    workbook.save(buffer)
    actor = act_as(session, "zavuch")
    result = import_teaching_load(
        session, actor, data=buffer.getvalue(), filename="load.xlsx"
    )
    assert (result.created, result.new_subjects) == (2, ["Технология"])
    assert ("8А", "Физическая культура", "Физрукова Анна Ивановна", 3.0) in _load(session, actor)


def test_xlsx_import_without_new_subjects_reports_the_row(session, school):
    workbook = Workbook()
    for row in CSV_ROWS:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="строка 3: предмет «Технология» не найден"):
        import_teaching_load(
            session, actor, data=buffer.getvalue(), filename="load.xlsx", create_subjects=False
        )
    assert session.scalar(select(Subject.id).where(Subject.name == "Технология")) is None


def test_file_without_the_columns_or_of_another_type_is_refused(session, school):
    actor = act_as(session, "zavuch")
    with pytest.raises(DomainError, match="нет столбцов: «Учитель»"):
        import_teaching_load(
            session,
            actor,
            data="Класс;Предмет;Часы\n7А;Математика;5".encode("cp1251"),
            filename="a.csv",
        )
    with pytest.raises(DomainError, match="XLSX и CSV"):
        import_teaching_load(session, actor, data=b"x", filename="a.doc")
    with pytest.raises(DomainError, match="назван как XLSX"):
        import_teaching_load(session, actor, data=b"not a zip", filename="a.xlsx")


def test_class_teachers_and_subjects(session, school):
    actor = act_as(session, "zavuch")
    set_class_teacher(
        session, actor, class_id=school.class8.id, staff_id=school.staff["Англова"].id
    )
    assert session.get(SchoolClass, school.class8.id).class_teacher_id == school.staff["Англова"].id
    rows = class_teachers(session, actor)
    assert [(r.class_name, r.class_teacher) for r in rows] == [
        ("7А", "Классова Анна Ивановна"),
        ("8А", "Англова Анна Ивановна"),
    ]
    add_subject(session, actor, name="Астрономия", short_name="Астр.")
    with pytest.raises(DomainError, match="уже есть"):
        add_subject(session, actor, name="  астрономия ")


def test_only_deputy_and_admin_manage_the_load(session, school):
    for login in ("kl7", "english", "mama"):
        actor = act_as(session, login)
        with pytest.raises(PermissionDenied):
            save_teaching_load(session, actor, rows=[], replace=True)
        with pytest.raises(PermissionDenied):
            set_class_teacher(
                session, actor, class_id=school.class7.id, staff_id=None
            )
    assert _count(session) == 6


def test_each_teachers_hours_are_summed(session, school):
    actor = act_as(session, "zavuch")
    rows = [
        LoadInput(1, "7А", ENGLISH, "Инглишева Анна Ивановна", "2,5"),
        LoadInput(2, "7А", "Математика", "Инглишева Анна Ивановна", 9),
        LoadInput(3, "8А", "Математика", "Математова А.И.", "1,5"),
    ]
    save_teaching_load(session, actor, rows=rows, replace=True)
    totals = teacher_totals(session, actor)
    assert [(t.teacher, t.hours_per_week, t.rows) for t in totals] == [
        ("Инглишева Анна Ивановна", 11.5, 2),
        ("Математова Анна Ивановна", 1.5, 1),
    ]
    with pytest.raises(PermissionDenied):
        teacher_totals(session, act_as(session, "english"))
