"""The student's record: grades with their averages, period grades, absences, recommendations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.journal import (
    ABSENCE_TITLES,
    GRADE_KIND_TITLES,
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    PeriodGrade,
    Recommendation,
)
from klassruk.models.school import Staff, Subject
from klassruk.services import calendar
from klassruk.services.cabinet.common import (
    in_students_lessons_bound,
    students_lessons_parameters,
)
from klassruk.services.cabinet.lessons import last_school_day
from klassruk.services.scope.students import require_family_scope

NEW_GRADES_SHOWN = 10
# Grades count as new for a week of school: back from the last school day, not from a day off,
# so a family back from a vacation still sees the grades given before it.
NEW_GRADES_DAYS = 7


def _number(value: float) -> str:
    """A Russian decimal: 4,25; whole numbers without a fraction."""
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass(frozen=True)
class GradeItem:
    """One grade as families read it."""

    grade_id: int
    lesson_date: date
    value: int
    kind: GradeKind
    weight: float

    @property
    def kind_title(self) -> str:
        return GRADE_KIND_TITLES[self.kind]


@dataclass
class SubjectGrades:
    """A subject of the period: every grade, the weighted average explained, the period grade."""

    subject_id: int
    subject: str
    grades: list[GradeItem] = field(default_factory=list)
    weighted_sum: float = 0.0
    weight_sum: float = 0.0
    period_grade: int | None = None

    @property
    def average(self) -> float | None:
        return round(self.weighted_sum / self.weight_sum, 2) if self.weight_sum else None

    @property
    def explanation(self) -> str:
        """The weighted average in one line a parent can check."""
        if self.average is None:
            return "Оценок за период нет."
        return (
            f"Средний балл {_number(self.average)} = сумма «оценка × вес» "
            f"{_number(self.weighted_sum)} / сумма весов {_number(self.weight_sum)}"
        )


def grades_of_period(
    session: Session, actor: Actor, *, student_id: int, period_id: int, on: date
) -> list[SubjectGrades]:
    """Per subject: the period's grades by date, the weighted average (summed in SQL), the grade."""
    require_family_scope(session, actor, student_id, on=on)
    period = calendar.get_period(session, period_id)
    parameters = {
        "student_id": student_id,
        "period_id": period_id,
        **students_lessons_parameters(session, [student_id], period.starts_on, period.ends_on),
    }
    averages, period_grades, grades = _grades_queries()
    subjects: dict[int, SubjectGrades] = {}
    for subject_id, name, weighted, weights in session.execute(averages, parameters):
        subjects[subject_id] = SubjectGrades(subject_id, name, [], float(weighted), float(weights))
    for subject_id, name, value in session.execute(period_grades, parameters):
        subjects.setdefault(subject_id, SubjectGrades(subject_id, name)).period_grade = value
    for row in session.execute(grades, parameters):
        subjects[row[0]].grades.append(GradeItem(*row[1:]))
    return sorted(subjects.values(), key=lambda s: s.subject)


# The grades and absences screens: statements built once, with bound parameters, skip
# SQLAlchemy's construction and cache-key work on every visit.
@cache
def _grades_queries() -> tuple[Select[*tuple[Any, ...]], ...]:
    student = Grade.student_id == bindparam("student_id")
    averages = (
        select(
            Lesson.subject_id,
            Subject.name,
            func.sum(Grade.value * Grade.weight),
            func.sum(Grade.weight),
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(student, in_students_lessons_bound())
        .group_by(Lesson.subject_id, Subject.name)
    )
    period_grades = (
        select(PeriodGrade.subject_id, Subject.name, PeriodGrade.value)
        .join(Subject, Subject.id == PeriodGrade.subject_id)
        .where(
            PeriodGrade.student_id == bindparam("student_id"),
            PeriodGrade.period_id == bindparam("period_id"),
        )
    )
    grades = (
        select(
            Lesson.subject_id,
            Grade.id,
            Lesson.lesson_date,
            Grade.value,
            Grade.kind,
            Grade.weight,
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(student, in_students_lessons_bound())
        .order_by(Lesson.lesson_date, Grade.id)
    )
    return averages, period_grades, grades


@cache
def _absences_queries() -> tuple[Select[*tuple[Any, ...]], ...]:
    where = (Absence.student_id == bindparam("student_id"), in_students_lessons_bound())
    items = (
        select(Lesson.lesson_date, Lesson.number, Subject.name, Absence.mark)
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(*where)
        .order_by(Lesson.lesson_date.desc(), Lesson.number)
    )
    counts = (
        select(Absence.mark, func.count())
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(*where)
        .group_by(Absence.mark)
    )
    return items, counts


@dataclass(frozen=True)
class NewGrade:
    """A grade given recently, for the home screen."""

    grade_id: int
    created_at: datetime
    lesson_date: date
    subject: str
    value: int
    kind: GradeKind

    @property
    def kind_title(self) -> str:
        return GRADE_KIND_TITLES[self.kind]


def new_grades_since(session: Session, actor: Actor, *, student_id: int, on: date) -> date:
    """The first day whose grades count as new: a week before the last school day up to `on`."""
    require_family_scope(session, actor, student_id, on=on)
    latest = last_school_day(session, student_id, on + timedelta(days=1)) or on
    return latest - timedelta(days=NEW_GRADES_DAYS)


def new_grades(
    session: Session, actor: Actor, *, student_id: int, since: date, on: date, timezone: str
) -> list[NewGrade]:
    """Grades given from the school's midnight of `since` on, newest first (a few)."""
    require_family_scope(session, actor, student_id, on=on)
    start = datetime.combine(since, time(0), tzinfo=ZoneInfo(timezone))
    rows = session.execute(_new_grades(), {"student_id": student_id, "since": start})
    return [NewGrade(*row) for row in rows]


@cache
def _new_grades() -> Select[*tuple[Any, ...]]:
    # Built once: the family's home screen asks on every visit.
    return (
        select(
            Grade.id,
            Grade.created_at,
            Lesson.lesson_date,
            Subject.name,
            Grade.value,
            Grade.kind,
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Grade.student_id == bindparam("student_id"),
            Grade.created_at >= bindparam("since", type_=Grade.created_at.type),
        )
        .order_by(Grade.created_at.desc(), Grade.id.desc())
        .limit(NEW_GRADES_SHOWN)
    )


@dataclass(frozen=True)
class AbsenceItem:
    """A missed (part of a) lesson."""

    lesson_date: date
    number: int
    subject: str
    mark: AbsenceMark

    @property
    def title(self) -> str:
        return ABSENCE_TITLES[self.mark]


@dataclass(frozen=True)
class Absences:
    """The period's absences with their count per mark."""

    items: list[AbsenceItem]
    counts: dict[AbsenceMark, int]


def absences_of_period(
    session: Session, actor: Actor, *, student_id: int, period_id: int, on: date
) -> Absences:
    """Every absence mark of the period by date, and their counts per kind (counted in SQL)."""
    require_family_scope(session, actor, student_id, on=on)
    period = calendar.get_period(session, period_id)
    parameters = {
        "student_id": student_id,
        **students_lessons_parameters(session, [student_id], period.starts_on, period.ends_on),
    }
    listed, counted = _absences_queries()
    items = [AbsenceItem(*row) for row in session.execute(listed, parameters)]
    counts: dict[AbsenceMark, int] = defaultdict(int)
    for mark, count in session.execute(counted, parameters):
        counts[mark] = count
    return Absences(items, dict(counts))


@dataclass(frozen=True)
class RecommendationItem:
    """A teacher's recommendation to the student."""

    recommendation_id: int
    created_at: datetime
    subject: str
    author: str
    text: str


def recommendations_query(
    student_ids: Collection[int],
) -> Select[int, int, datetime, str, str, str, Staff]:
    """The students' recommendations with subject and author (None: no staff link), newest first."""
    return (
        select(
            Recommendation.id,
            Recommendation.student_id,
            Recommendation.created_at,
            Subject.name.label("subject"),
            Recommendation.text,
            Recommendation.created_by,
            Staff,
        )
        .join(Subject, Subject.id == Recommendation.subject_id)
        .outerjoin(Staff, Staff.id == Recommendation.staff_id)
        .where(Recommendation.student_id.in_(list(student_ids)))
        .order_by(Recommendation.created_at.desc(), Recommendation.id.desc())
    )


def recommendations_of(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[RecommendationItem]:
    """The teachers' recommendations to the student, newest first."""
    require_family_scope(session, actor, student_id, on=on)
    return [
        RecommendationItem(
            rec.id,
            rec.created_at,
            rec.subject,
            rec.Staff.full_name if rec.Staff else rec.created_by,
            rec.text,
        )
        for rec in session.execute(recommendations_query([student_id]))
    ]
