"""Calendar and timetable: periods, holidays, generation, import, announced changes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AuditLog, ReportingPeriod, Subject, TeachingAssignment
from klassruk.models.journal import (
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    TimetableSlot,
)
from klassruk.services import calendar, journal, timetable
from tests.factories import actor_of
from tests.schools.journal_school import build_journal_school


@pytest.fixture
def school(session):
    return build_journal_school(session)


def _lesson_dates(session):
    return [d for d in session.scalars(select(Lesson.lesson_date).order_by(Lesson.lesson_date))]


def test_generation_skips_holidays_and_days_outside_periods_and_is_idempotent(session, school):
    deputy = actor_of(session, "zavuch")
    dates = _lesson_dates(session)
    assert date(2026, 9, 16) not in dates  # a day off
    assert date(2026, 9, 2) in dates and date(2026, 9, 30) in dates
    before = len(dates)
    assert (
        timetable.generate_lessons(
            session, deputy, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30)
        )
        == 0
    )
    added = timetable.generate_lessons(
        session, deputy, starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 10)
    )
    dates = _lesson_dates(session)
    assert len(dates) == before + added
    # Autumn holidays 25.10–04.11 and the gap after «1 четверть» (no period) give no lessons.
    assert not [d for d in dates if date(2026, 10, 25) <= d <= date(2026, 11, 10)]
    assert all(d.isoweekday() in (1, 3) for d in dates)
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.entity == "lesson", AuditLog.entity_id == "bulk")
        )
        == 2
    )  # the fixture's generation and this one; the empty run writes nothing


def test_only_the_deputy_head_manages_the_calendar(session, school):
    for login in ("teacher_a", "ct_a"):
        actor = actor_of(session, login)
        with pytest.raises(PermissionDenied):
            calendar.set_period_closed(session, actor, period_id=school.open_period, closed=True)
        with pytest.raises(PermissionDenied):
            timetable.generate_lessons(
                session, actor, starts_on=date(2026, 10, 1), ends_on=date(2026, 10, 2)
            )
        with pytest.raises(PermissionDenied):
            timetable.cancel_lesson(session, actor, lesson_id=school.lessons[0], reason="x")
    deputy = actor_of(session, "zavuch")
    calendar.set_period_closed(session, deputy, period_id=school.open_period, closed=True)
    assert session.get(ReportingPeriod, school.open_period).is_closed
    teacher = actor_of(session, "teacher_a")
    with pytest.raises(DomainError, match="закрыт"):
        journal.add_grade(
            session,
            teacher,
            lesson_id=school.lessons[0],
            student_id=school.two.student_a,
            value=5,
        )


def test_periods_and_holidays_are_validated(session, school):
    deputy = actor_of(session, "zavuch")
    with pytest.raises(DomainError, match="пересекается"):
        calendar.add_period(
            session, deputy, name="Осень", starts_on=date(2026, 10, 1), ends_on=date(2026, 11, 1)
        )
    with pytest.raises(DomainError, match="позже"):
        calendar.add_holiday(
            session,
            deputy,
            name="Каникулы",
            starts_on=date(2026, 12, 30),
            ends_on=date(2026, 12, 29),
        )
    calendar.add_holiday(
        session,
        deputy,
        name="Зимние каникулы",
        starts_on=date(2026, 12, 29),
        ends_on=date(2027, 1, 11),
    )
    assert calendar.holiday_on(session, date(2027, 1, 5)) == "Зимние каникулы"


def test_substitution_move_and_cancellation_are_recorded_with_announcement_time(session, school):
    deputy = actor_of(session, "zavuch")
    ct_staff = actor_of(session, "ct_a").staff_id
    first, second, third = school.lessons[:3]
    timetable.substitute_teacher(
        session, deputy, lesson_id=first, staff_id=ct_staff, reason="Болезнь учителя"
    )
    timetable.move_lesson(
        session, deputy, lesson_id=second, new_date=date(2026, 9, 10), new_number=4
    )
    timetable.cancel_lesson(session, deputy, lesson_id=third, reason="Экскурсия")
    changes = {c.kind: c for c in session.scalars(select(LessonChange))}
    assert changes[LessonChangeKind.SUBSTITUTION].new_staff_id == ct_staff
    assert changes[LessonChangeKind.SUBSTITUTION].old_staff_id == school.teacher_a_staff
    move = changes[LessonChangeKind.MOVE]
    assert (move.old_date, move.new_date, move.old_number, move.new_number) == (
        date(2026, 9, 9),
        date(2026, 9, 10),
        2,
        4,
    )
    assert all(
        c.announced_at.tzinfo is not None and c.announced_by == "zavuch" for c in changes.values()
    )
    assert session.get(Lesson, third).status == LessonStatus.CANCELLED
    rows = timetable.lesson_changes(
        session,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 30),
        class_id=school.two.class_a,
    )
    assert {r.kind for r in rows} == set(LessonChangeKind)
    # A moved lesson is not generated again for its planned date.
    assert (
        timetable.generate_lessons(
            session, deputy, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30)
        )
        == 0
    )


def test_bad_changes_are_refused(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    with pytest.raises(DomainError, match="Выходной день"):
        timetable.move_lesson(
            session,
            deputy,
            lesson_id=school.lessons[0],
            new_date=date(2026, 9, 16),
            new_number=2,
        )
    with pytest.raises(DomainError, match="не входит ни в один"):
        timetable.move_lesson(
            session,
            deputy,
            lesson_id=school.lessons[0],
            new_date=date(2026, 11, 12),
            new_number=2,
        )
    with pytest.raises(DomainError, match="причину"):
        timetable.cancel_lesson(session, deputy, lesson_id=school.lessons[0], reason="")
    journal.add_grade(
        session, teacher, lesson_id=school.lessons[0], student_id=school.two.student_a, value=5
    )
    with pytest.raises(DomainError, match="оценки"):
        timetable.cancel_lesson(session, deputy, lesson_id=school.lessons[0], reason="Карантин")
    with pytest.raises(DomainError, match="закрыт"):
        timetable.cancel_lesson(session, deputy, lesson_id=school.old_lesson, reason="Карантин")
    assert session.scalar(select(func.count()).select_from(LessonChange)) == 0


def test_import_csv_cp1251_semicolon_and_utf8_comma(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    short = session.get(type(session.get(Lesson, school.lessons[0]).staff), teacher.staff_id)
    cp1251 = f"Группа;День;Урок;Предмет;Учитель;Кабинет\n7А;Вт;3;Математика;{short.short_name};21\n"
    result = timetable.import_slots(
        session, deputy, data=cp1251.encode("cp1251"), filename="расписание.csv"
    )
    assert result.added == 1
    utf8 = f"Группа,День,Урок,Предмет,Учитель,Кабинет\n7А,пятница,1,Мат,{short.full_name},\n"
    assert (
        timetable.import_slots(session, deputy, data=utf8.encode("utf-8"), filename="r.csv").added
        == 1
    )
    slots = session.scalars(select(TimetableSlot).order_by(TimetableSlot.id)).all()
    assert [(s.weekday, s.lesson_number) for s in slots][-2:] == [(2, 3), (5, 1)]


def test_import_xlsx_and_bad_rows_change_nothing(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    from klassruk.models import Staff

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
        timetable.import_slots(session, deputy, data=buffer.getvalue(), filename="t.xlsx")
    assert "строка 3: группа «9В» не найдена" in str(error.value)
    assert "строка 4" in str(error.value)
    assert session.scalar(select(func.count()).select_from(TimetableSlot)) == before
    with pytest.raises(DomainError, match="нет столбцов"):
        timetable.import_slots(session, deputy, data=b"a,b\n1,2\n", filename="x.csv")


def test_substitutes_are_listed_free_teachers_first(session, school):
    deputy = actor_of(session, "zavuch")
    free_staff = actor_of(session, "ct_b").staff_id
    assert free_staff is not None
    physics = Subject(name="Физика", short_name="Физ.")
    session.add(physics)
    session.flush()
    session.add(
        TeachingAssignment(staff_id=free_staff, subject_id=physics.id, group_id=school.two.group_a)
    )
    session.flush()
    lesson = session.get(Lesson, school.lessons[0])
    rows = timetable.substitutes(session, deputy, on=lesson.lesson_date, number=lesson.number)
    assert [r.is_free for r in rows] == sorted((r.is_free for r in rows), reverse=True)
    assert {r.staff_id for r in rows if not r.is_free} == {lesson.staff_id}
    assert [r.staff_id for r in rows] == [free_staff, lesson.staff_id]
    with pytest.raises(PermissionDenied):
        timetable.substitutes(
            session, actor_of(session, "teacher_a"), on=lesson.lesson_date, number=lesson.number
        )
