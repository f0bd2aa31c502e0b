"""Announced changes to lessons: substitution, move, cancellation, substitutes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.journal import (
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
)
from klassruk.models.school import Subject, TeachingAssignment
from klassruk.services import journal
from klassruk.services.timetable.changes import cancel_lesson, move_lesson, substitute_teacher
from klassruk.services.timetable.generation import generate_lessons
from klassruk.services.timetable.queries import lesson_changes, substitutes
from tests.factories import actor_of


def test_substitution_move_and_cancellation_are_recorded_with_announcement_time(session, school):
    deputy = actor_of(session, "zavuch")
    ct_staff = actor_of(session, "ct_a").staff_id
    first, second, third = school.lessons[:3]
    substitute_teacher(
        session, deputy, lesson_id=first, staff_id=ct_staff, reason="Болезнь учителя"
    )
    move_lesson(
        session, deputy, lesson_id=second, new_date=date(2026, 9, 10), new_number=4
    )
    cancel_lesson(session, deputy, lesson_id=third, reason="Экскурсия")
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
    rows = lesson_changes(
        session,
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 9, 30),
        class_id=school.two.class_a,
    )
    assert {r.kind for r in rows} == set(LessonChangeKind)
    # A moved lesson is not generated again for its planned date.
    assert (
        generate_lessons(
            session, deputy, starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30)
        )
        == 0
    )


def test_bad_changes_are_refused(session, school):
    deputy = actor_of(session, "zavuch")
    teacher = actor_of(session, "teacher_a")
    off_days = ((date(2026, 9, 16), "Выходной день"), (date(2026, 11, 12), "не входит ни в один"))
    for day, why in off_days:
        with pytest.raises(DomainError, match=why):
            move_lesson(session, deputy, lesson_id=school.lessons[0], new_date=day, new_number=2)
    with pytest.raises(DomainError, match="причину"):
        cancel_lesson(session, deputy, lesson_id=school.lessons[0], reason="")
    journal.add_grade(
        session, teacher, lesson_id=school.lessons[0], student_id=school.two.student_a, value=5
    )
    with pytest.raises(DomainError, match="оценки"):
        cancel_lesson(session, deputy, lesson_id=school.lessons[0], reason="Карантин")
    with pytest.raises(DomainError, match="закрыт"):
        cancel_lesson(session, deputy, lesson_id=school.old_lesson, reason="Карантин")
    assert session.scalar(select(func.count()).select_from(LessonChange)) == 0


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
    rows = substitutes(session, deputy, on=lesson.lesson_date, number=lesson.number)
    assert [r.is_free for r in rows] == sorted((r.is_free for r in rows), reverse=True)
    assert {r.staff_id for r in rows if not r.is_free} == {lesson.staff_id}
    assert [r.staff_id for r in rows] == [free_staff, lesson.staff_id]
    with pytest.raises(PermissionDenied):
        substitutes(
            session, actor_of(session, "teacher_a"), on=lesson.lesson_date, number=lesson.number
        )


def test_a_busy_substitute_is_named_in_her_own_gender(session, school):
    lesson = session.get(Lesson, school.lessons[0])
    busy = actor_of(session, "ct_b").staff_id
    assert busy is not None
    session.add(Lesson(group_id=school.two.group_b, subject_id=lesson.subject_id, staff_id=busy,
                       lesson_date=lesson.lesson_date, number=lesson.number))
    session.flush()
    with pytest.raises(DomainError, match=f"^Ct_B Анна Ивановна занята: у неё {lesson.number}-й"):
        substitute_teacher(session, actor_of(session, "zavuch"), lesson_id=lesson.id,
                           staff_id=busy, reason="Болезнь учителя")
