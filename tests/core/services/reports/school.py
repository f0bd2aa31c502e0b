"""A class of known marks for the report tests (7А of build_two_classes, five pupils).

Period marks, 2 четверть (period grade, or «avg» for the rounded weighted average):

    pupil      Математика        Русский язык
    Орлов      5                 5
    Белов      5                 4
    Васин      4                 avg 4,25 → 4
    Гусев      3 (avg 2,33)      4
    Дронов     2                 3

1 четверть, Математика only: Орлов 4, Белов 5, Васин 4, Гусев 3, Дронов 3.
Дронов missed three maths lessons (Н, Б, УП; an ОП lateness is not a miss). 8Б's pupil has
grades too and must never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.models.journal import (
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    PeriodGrade,
)
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    Student,
    Subject,
    TeachingAssignment,
)
from tests.factories import TwoClasses, build_two_classes

PUPILS = ("Белов", "Васин", "Гусев", "Дронов")


@dataclass(frozen=True)
class KnownClass:
    """Ids of the school with the known marks."""

    school: TwoClasses
    period_id: int
    previous_id: int
    math_id: int
    russian_id: int
    pupils: dict[str, int]


def _lesson(session: Session, group_id: int, subject_id: int, day: date, number: int) -> int:
    staff_id = session.scalar(
        select(TeachingAssignment.staff_id).where(TeachingAssignment.group_id == group_id)
    )
    lesson = Lesson(group_id=group_id, subject_id=subject_id, staff_id=staff_id,
                    lesson_date=day, number=number)
    session.add(lesson)
    session.flush()
    return lesson.id


def build_known_class(session: Session) -> KnownClass:
    """Build the school of the module docstring."""
    school = build_two_classes(session)
    math_id = session.scalar(select(Subject.id).where(Subject.name == "Математика"))
    assert math_id is not None
    russian = Subject(name="Русский язык", short_name="Рус")
    first = ReportingPeriod(school_year_id=1, name="1 четверть", starts_on=date(2026, 9, 1),
                            ends_on=date(2026, 10, 31))
    second = ReportingPeriod(school_year_id=1, name="2 четверть", starts_on=date(2026, 11, 1),
                             ends_on=date(2026, 12, 28))
    session.add_all([russian, first, second])
    session.flush()
    pupils = {"Орлов": school.student_a}
    for last_name in PUPILS:
        pupil = Student(last_name=last_name, first_name="Иван")
        session.add(pupil)
        session.flush()
        pupils[last_name] = pupil.id
        session.add_all([
            Enrolment(student_id=pupil.id, class_id=school.class_a, starts_on=date(2026, 9, 1)),
            GroupMembership(group_id=school.group_a, student_id=pupil.id,
                            starts_on=date(2026, 9, 1)),
        ])
    teacher = session.scalar(
        select(TeachingAssignment.staff_id).where(TeachingAssignment.group_id == school.group_a)
    )
    session.add(TeachingAssignment(staff_id=teacher, subject_id=russian.id,
                                   group_id=school.group_a, hours_per_week=4))
    session.flush()
    g = school.group_a

    def final(period: ReportingPeriod, subject_id: int, pupil: str, value: int) -> None:
        session.add(PeriodGrade(period_id=period.id, student_id=pupils[pupil],
                                subject_id=subject_id, group_id=g, value=value, set_by="t"))

    for pupil, value in {"Орлов": 5, "Белов": 5, "Васин": 4, "Гусев": 3, "Дронов": 2}.items():
        final(second, math_id, pupil, value)
    for pupil, value in {"Орлов": 5, "Белов": 4, "Гусев": 4, "Дронов": 3}.items():
        final(second, russian.id, pupil, value)
    for pupil, value in {"Орлов": 4, "Белов": 5, "Васин": 4, "Гусев": 3, "Дронов": 3}.items():
        final(first, math_id, pupil, value)

    def grade(lesson_id: int, pupil: str, value: int, kind: GradeKind, weight: float) -> None:
        session.add(Grade(lesson_id=lesson_id, student_id=pupils[pupil], value=value, kind=kind,
                          weight=weight, created_by="t"))

    math = [_lesson(session, g, math_id, date(2026, 11, day), 1) for day in (9, 10, 11, 12)]
    rus = [_lesson(session, g, russian.id, date(2026, 11, day), 2) for day in (9, 10, 11)]
    # Васин, Russian, no period grade: (4·1 + 5·2 + 3·1) / 4 = 4,25 → «4».
    grade(rus[0], "Васин", 4, GradeKind.CLASSWORK, 1.0)
    grade(rus[1], "Васин", 5, GradeKind.TEST, 2.0)
    grade(rus[2], "Васин", 3, GradeKind.CLASSWORK, 1.0)
    # Гусев, maths: (3 + 2·2) / 3 = 2,33, but the period grade «3» is what counts.
    grade(math[0], "Гусев", 3, GradeKind.CLASSWORK, 1.0)
    grade(math[1], "Гусев", 2, GradeKind.TEST, 2.0)
    grade(math[0], "Орлов", 5, GradeKind.CLASSWORK, 1.0)
    for lesson_id, mark in zip(math[:3], (AbsenceMark.ABSENT, AbsenceMark.ILL,
                                          AbsenceMark.EXCUSED), strict=True):
        session.add(Absence(lesson_id=lesson_id, student_id=pupils["Дронов"], mark=mark))
    session.add(Absence(lesson_id=math[3], student_id=pupils["Дронов"], mark=AbsenceMark.LATE))
    # 8Б: grades and a period grade that must not count for 7А.
    other = Lesson(group_id=school.group_b, subject_id=math_id, staff_id=teacher,
                   lesson_date=date(2026, 11, 9), number=1)
    session.add(other)
    session.flush()
    session.add_all([
        Grade(lesson_id=other.id, student_id=school.student_b, value=1, kind=GradeKind.CLASSWORK,
              weight=1.0, created_by="t"),
        PeriodGrade(period_id=second.id, student_id=school.student_b, subject_id=math_id,
                    group_id=school.group_b, value=2, set_by="t"),
    ])
    session.flush()
    return KnownClass(school, second.id, first.id, math_id, russian.id, pupils)
