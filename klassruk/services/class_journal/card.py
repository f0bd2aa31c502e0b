"""The student card: one student in all subjects for a period, with the weekly trend."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.models.journal import Absence, AbsenceMark, Grade, GradeKind, Lesson, PeriodGrade
from klassruk.models.school import ReportingPeriod, Student, Subject
from klassruk.services import calendar
from klassruk.services.class_journal.common import (
    WeekPoint,
    daily_grades,
    fold_weeks,
    grade_distribution,
    in_period,
    rounded,
    weighted_mean,
)
from klassruk.services.lookup import get_or_404
from klassruk.services.scope.journals import JournalReach, require_class_card_scope


@dataclass(frozen=True)
class CardSubject:
    """A subject on the student card."""

    subject: str
    average: float | None
    weighted_average: float | None
    grades: int
    period_grade: int | None
    absences: int
    marks: str


@dataclass(frozen=True)
class StudentCard:
    """One student in all subjects for the period, with the weekly trend."""

    student_id: int
    name: str
    period: str
    subjects: list[CardSubject]
    weekly: list[WeekPoint]
    distribution: dict[int, int]
    weighted_average: float | None
    absences: int


def _card_subjects(
    session: Session, student_id: int, period: ReportingPeriod, reach: JournalReach
) -> tuple[list[CardSubject], int]:
    """Each subject's averages, marks, period grade and absences; the absences in all."""
    own = and_(Grade.student_id == student_id, reach.rows(Grade.student_id, Lesson.lesson_date))
    per_subject = session.execute(
        select(
            Subject.id, Subject.name, func.avg(Grade.value), weighted_mean(), func.count(Grade.id)
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(own, in_period(period))
        .group_by(Subject.id, Subject.name)
    ).all()
    absences = dict(
        session.execute(
            select(Lesson.subject_id, func.count(Absence.id))
            .join(Lesson, Lesson.id == Absence.lesson_id)
            .where(
                Absence.student_id == student_id,
                reach.rows(Absence.student_id, Lesson.lesson_date),
                Absence.mark != AbsenceMark.LATE,
                in_period(period),
            )
            .group_by(Lesson.subject_id)
        ).all()
    )
    period_grades = dict(
        session.execute(
            select(PeriodGrade.subject_id, PeriodGrade.value).where(
                PeriodGrade.student_id.in_(reach.period_grades_of([student_id], period)),
                PeriodGrade.period_id == period.id,
            )
        ).all()
    )
    marks: dict[int, list[str]] = {}
    for subject_id, value, kind in session.execute(
        select(Lesson.subject_id, Grade.value, Grade.kind)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(own, in_period(period))
        .order_by(Lesson.lesson_date, Lesson.number, Grade.id)
    ):
        marks.setdefault(subject_id, []).append(f"{value}{'к' if kind == GradeKind.TEST else ''}")
    names = {row[0]: row[1] for row in per_subject}
    extra = (set(absences) | set(period_grades)) - set(names)
    if extra:
        names.update(
            session.execute(select(Subject.id, Subject.name).where(Subject.id.in_(extra))).all()
        )
    stats = {row[0]: row[2:] for row in per_subject}
    subjects = [
        CardSubject(
            subject=names[subject_id],
            average=rounded(stats.get(subject_id, (None,))[0]),
            weighted_average=rounded(stats.get(subject_id, (None, None))[1]),
            grades=int(stats.get(subject_id, (None, None, 0))[2]),
            period_grade=period_grades.get(subject_id),
            absences=int(absences.get(subject_id, 0)),
            marks=" ".join(marks.get(subject_id, [])),
        )
        for subject_id in sorted(names, key=names.__getitem__)
    ]
    return subjects, sum(int(c) for c in absences.values())


def student_card(
    session: Session, actor: Actor, *, class_id: int, student_id: int, period_id: int
) -> StudentCard:
    """One pupil of the class in all subjects for the period, on their days in the class."""
    period = calendar.get_period(session, period_id)
    reach = require_class_card_scope(
        session, actor, class_id=class_id, student_id=student_id, period=period
    )
    student = get_or_404(session, Student, student_id, "Обучающийся не найден.")
    own = and_(Grade.student_id == student_id, reach.rows(Grade.student_id, Lesson.lesson_date))
    subjects, absences = _card_subjects(session, student_id, period, reach)
    distribution = grade_distribution(session, own, period)
    total = session.execute(
        select(weighted_mean())
        .select_from(Grade)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(own, in_period(period))
    ).scalar()
    return StudentCard(
        student_id=student_id,
        name=student.full_name,
        period=period.name,
        subjects=subjects,
        weekly=fold_weeks(session.execute(daily_grades(own, period))),
        distribution=distribution,
        weighted_average=rounded(total),
        absences=absences,
    )
