"""The timetable imported from CSV and XLSX, all rows or none."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from klassruk.errors import DomainError
from klassruk.models.journal import (
    Lesson,
    TimetableSlot,
)
from klassruk.services.timetable.slot_import import import_slots
from tests.factories import actor_of


def test_import_csv_cp1251_semicolon_and_utf8_comma(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    short = session.get(type(session.get(Lesson, school.lessons[0]).staff), teacher.staff_id)
    cp1251 = f"Группа;День;Урок;Предмет;Учитель;Кабинет\n7А;Вт;3;Математика;{short.short_name};21\n"
    result = import_slots(
        session, deputy, data=cp1251.encode("cp1251"), filename="расписание.csv"
    )
    assert result.added == 1
    utf8 = f"Группа,День,Урок,Предмет,Учитель,Кабинет\n7А,пятница,1,Мат,{short.full_name},\n"
    assert (
        import_slots(session, deputy, data=utf8.encode("utf-8"), filename="r.csv").added
        == 1
    )
    slots = session.scalars(select(TimetableSlot).order_by(TimetableSlot.id)).all()
    assert [(s.weekday, s.lesson_number) for s in slots][-2:] == [(2, 3), (5, 1)]


def test_import_xlsx_and_bad_rows_change_nothing(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    from klassruk.models.school import Staff

    name = session.get(Staff, teacher.staff_id).short_name
    book = Workbook()
    sheet = book.active
    sheet.append(["Группа", "День", "Урок", "Предмет", "Учитель", "Кабинет"])
    sheet.append(["7А", "Чт", 4, "Математика", name, "21"])
    sheet.append(["9В", "Чт", 5, "Математика", name, "21"])
    sheet.append(["7А", "Пн", 2, "Математика", name, "21"])  # taken by an existing slot
    buffer = io.BytesIO()
    book.save(buffer)
    before = session.scalar(select(func.count()).select_from(TimetableSlot))
    with pytest.raises(DomainError) as error:
        import_slots(session, deputy, data=buffer.getvalue(), filename="t.xlsx")
    assert "строка 3: группа «9В» не найдена" in str(error.value)
    assert "строка 4" in str(error.value)
    assert session.scalar(select(func.count()).select_from(TimetableSlot)) == before
    with pytest.raises(DomainError, match="нет столбцов"):
        import_slots(session, deputy, data=b"a,b\n1,2\n", filename="x.csv")
