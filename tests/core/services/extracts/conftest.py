"""The journal school with a week of marks, homework, a test, a change and a recommendation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    PlannedTest,
    Recommendation,
)
from tests.schools.journal_school import JournalSchool, build_journal_school


@pytest.fixture
def school(session) -> JournalSchool:
    school = build_journal_school(session)
    monday, wednesday = (session.get(Lesson, lesson_id) for lesson_id in school.lessons[:2])
    student = school.two.student_a
    monday.homework = "№ 12, 14 на с. 31"
    session.add_all(
        [
            Grade(lesson_id=monday.id, student_id=student, value=5, kind=GradeKind.TEST,
                  weight=2.0, created_by="teacher_a"),
            Grade(lesson_id=monday.id, student_id=student, value=4, kind=GradeKind.HOMEWORK,
                  weight=1.0, created_by="teacher_a"),
            Grade(lesson_id=wednesday.id, student_id=student, value=3,
                  kind=GradeKind.CLASSWORK, weight=1.0, created_by="teacher_a"),
            Absence(lesson_id=wednesday.id, student_id=student, mark=AbsenceMark.ILL),
            PlannedTest(group_id=school.two.group_a, subject_id=school.math,
                        planned_on=date(2026, 9, 9), title="Дроби", created_by="teacher_a"),
            LessonChange(lesson_id=wednesday.id, kind=LessonChangeKind.CANCELLATION,
                         announced_by="zavuch", reason="экскурсия"),
            Recommendation(student_id=student, subject_id=school.math,
                           staff_id=school.teacher_a_staff, text="Повторить таблицу умножения",
                           created_at=datetime(2026, 9, 10, 9, tzinfo=UTC),
                           created_by="teacher_a"),
        ]
    )
    session.flush()
    return school
