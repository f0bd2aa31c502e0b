"""What an extract prints: a range of the journal of several students, read in a few queries."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from klassruk.models.journal import (
    ABSENCE_TITLES,
    LESSON_CHANGE_TITLES,
    Absence,
    AbsenceMark,
    Grade,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    PeriodGrade,
    PlannedTest,
    Recommendation,
)
from klassruk.models.school import GroupMembership, ReportingPeriod, Staff, Subject
from klassruk.services.cabinet.common import in_students_lessons
from klassruk.services.cabinet.lessons import TestItem
from klassruk.services.cabinet.record import recommendations_query
from klassruk.services.journal.cells import weighted_average


@dataclass(frozen=True)
class ExtractGrade:
    """One grade as the extract prints it."""

    on: date
    value: int
    kind: GradeKind


@dataclass
class ExtractSubject:
    """A subject's grades, weighted average, period grade and missed lessons in the range."""

    subject: str
    grades: list[ExtractGrade] = field(default_factory=list)
    weights: list[tuple[int, float]] = field(default_factory=list)
    period_grade: int | None = None
    absences: int = 0

    @property
    def average(self) -> float | None:
        return weighted_average(self.weights)


@dataclass(frozen=True)
class DatedLine:
    """A dated line of a list: homework, a test, a change, a recommendation, an absence."""

    on: date
    subject: str
    text: str


@dataclass
class ExtractContent:
    """Everything one extract prints, for one child and one guardian."""

    number: int
    student_id: int
    guardian_id: int
    student: str
    guardian: str
    class_name: str
    class_teacher: str
    date_from: date
    date_to: date
    period: str | None
    printed_at: datetime
    subjects: list[ExtractSubject]
    absences: list[DatedLine]
    homework: list[DatedLine]
    tests: list[DatedLine]
    changes: list[DatedLine]
    recommendations: list[DatedLine]
    reprint_of: int | None = None
    # Class teacher's messages to this paper-route family not printed before.
    messages: list[DatedLine] = field(default_factory=list)


@dataclass
class Journal:
    """The range's journal of several students, loaded in a few queries."""

    subjects: dict[int, dict[str, ExtractSubject]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    absences: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    homework: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    tests: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    changes: dict[int, list[DatedLine]] = field(default_factory=lambda: defaultdict(list))
    recommendations: dict[int, list[DatedLine]] = field(
        default_factory=lambda: defaultdict(list)
    )
    covered: dict[int, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


def _subject_of(journal: Journal, student_id: int, name: str) -> ExtractSubject:
    return journal.subjects[student_id].setdefault(name, ExtractSubject(name))


def _member_lessons(
    student_ids: list[int], date_from: date, date_to: date
) -> Select[int, Lesson]:
    """Lessons of the students' groups in the range while they were members."""
    return (
        select(GroupMembership.student_id, Lesson)
        .join(Lesson, Lesson.group_id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id.in_(student_ids),
            Lesson.lesson_date.between(date_from, date_to),
            Lesson.lesson_date >= GroupMembership.starts_on,
            or_(GroupMembership.ends_on.is_(None), Lesson.lesson_date <= GroupMembership.ends_on),
        )
    )


@dataclass(frozen=True)
class _Reading:
    """What one batch reads: these students' journal between two dates."""

    session: Session
    student_ids: list[int]
    date_from: date
    date_to: date
    subject_names: dict[int, str]


def _read_marks(reading: _Reading, journal: Journal) -> None:
    names = reading.subject_names
    ids = reading.student_ids
    in_range = in_students_lessons(reading.session, ids, reading.date_from, reading.date_to)
    for grade_id, student_id, value, kind, weight, on, subject_id in reading.session.execute(
        select(Grade.id, Grade.student_id, Grade.value, Grade.kind, Grade.weight,
               Lesson.lesson_date, Lesson.subject_id)
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .where(Grade.student_id.in_(ids), in_range)
        .order_by(Lesson.lesson_date, Lesson.number, Grade.id)
    ):
        subject = _subject_of(journal, student_id, names[subject_id])
        subject.grades.append(ExtractGrade(on, value, kind))
        subject.weights.append((value, weight))
        journal.covered[student_id]["grades"].append(grade_id)
    for absence_id, student_id, mark, on, subject_id in reading.session.execute(
        select(Absence.id, Absence.student_id, Absence.mark, Lesson.lesson_date,
               Lesson.subject_id)
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .where(Absence.student_id.in_(ids), in_range)
        .order_by(Lesson.lesson_date, Lesson.number)
    ):
        name = names[subject_id]
        if mark is not AbsenceMark.LATE:
            _subject_of(journal, student_id, name).absences += 1
        journal.absences[student_id].append(
            DatedLine(on, name, f"{mark.value} — {ABSENCE_TITLES[mark]}")
        )
        journal.covered[student_id]["absences"].append(absence_id)


def _read_lessons(reading: _Reading, journal: Journal) -> None:
    names = reading.subject_names
    lessons = _member_lessons(reading.student_ids, reading.date_from, reading.date_to)
    for student_id, lesson in reading.session.execute(
        lessons.where(Lesson.homework.is_not(None), Lesson.homework != "")
        .order_by(Lesson.lesson_date, Lesson.number)
    ):
        journal.homework[student_id].append(
            DatedLine(lesson.lesson_date, names[lesson.subject_id], lesson.homework or "")
        )
        journal.covered[student_id]["homework"].append(lesson.id)
    staff = aliased(Staff)
    for student_id, lesson, change, new_teacher in reading.session.execute(
        lessons.add_columns(LessonChange, staff.last_name)
        .join(LessonChange, LessonChange.lesson_id == Lesson.id)
        .outerjoin(staff, staff.id == LessonChange.new_staff_id)
        .order_by(Lesson.lesson_date, Lesson.number, LessonChange.id)
    ):
        journal.changes[student_id].append(
            DatedLine(lesson.lesson_date, names[lesson.subject_id],
                      _change_text(lesson, change, new_teacher))
        )
        journal.covered[student_id]["changes"].append(change.id)


def _read_tests(reading: _Reading, journal: Journal) -> None:
    for student_id, test_id, on, subject_id, title, moved_from, reason in reading.session.execute(
        select(GroupMembership.student_id, PlannedTest.id, PlannedTest.planned_on,
               PlannedTest.subject_id, PlannedTest.title, PlannedTest.moved_from,
               PlannedTest.cancel_reason)
        .join(PlannedTest, PlannedTest.group_id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id.in_(reading.student_ids),
            PlannedTest.planned_on.between(reading.date_from, reading.date_to),
            PlannedTest.planned_on >= GroupMembership.starts_on,
            or_(GroupMembership.ends_on.is_(None),
                PlannedTest.planned_on <= GroupMembership.ends_on),
        )
        .order_by(PlannedTest.planned_on)
    ):
        change = TestItem(test_id, on, "", title, moved_from, reason).change
        text = f"{title} ({change})" if change else title
        journal.tests[student_id].append(DatedLine(on, reading.subject_names[subject_id], text))
        journal.covered[student_id]["tests"].append(test_id)


def _read_teachers_words(reading: _Reading, journal: Journal) -> None:
    """Recommendations written in the range and period grades of periods ending in it."""
    since = datetime.combine(reading.date_from, time.min, UTC)
    until = datetime.combine(reading.date_to + timedelta(days=1), time.min, UTC)
    for rec in reading.session.execute(
        recommendations_query(reading.student_ids)
        .where(Recommendation.created_at >= since, Recommendation.created_at < until)
        .order_by(None)
        .order_by(Recommendation.created_at)
    ):
        author = f" ({rec.Staff.short_name})" if rec.Staff else ""
        journal.recommendations[rec.student_id].append(
            DatedLine(rec.created_at.date(), rec.subject, rec.text + author)
        )
        journal.covered[rec.student_id]["recommendations"].append(rec.id)
    for pg_id, student_id, subject_id, value in reading.session.execute(
        select(PeriodGrade.id, PeriodGrade.student_id, PeriodGrade.subject_id, PeriodGrade.value)
        .join(ReportingPeriod, ReportingPeriod.id == PeriodGrade.period_id)
        .where(
            PeriodGrade.student_id.in_(reading.student_ids),
            ReportingPeriod.ends_on.between(reading.date_from, reading.date_to),
        )
    ):
        _subject_of(journal, student_id, reading.subject_names[subject_id]).period_grade = value
        journal.covered[student_id]["period_grades"].append(pg_id)


def load_journal(
    session: Session, student_ids: list[int], date_from: date, date_to: date
) -> Journal:
    """The students' journal between the dates, with what each extract covers."""
    names = dict(session.execute(select(Subject.id, Subject.name)).all())
    reading = _Reading(session, student_ids, date_from, date_to, names)
    journal = Journal()
    for read in (_read_marks, _read_lessons, _read_tests, _read_teachers_words):
        read(reading, journal)
    return journal


def _change_text(lesson: Lesson, change: LessonChange, new_teacher: str | None) -> str:
    title = LESSON_CHANGE_TITLES[change.kind]
    if change.kind is LessonChangeKind.SUBSTITUTION and new_teacher:
        title += f": ведёт {new_teacher}"
    elif change.kind is LessonChangeKind.MOVE and change.new_date is not None:
        title += f" на {change.new_date.strftime('%d.%m')}"
        if change.new_number is not None:
            title += f", {change.new_number}-й урок"
    return f"{lesson.number}-й урок, {title}"


def digest(covered: dict[str, Any]) -> str:
    """A fingerprint of what an extract covers (stable key order)."""
    payload = json.dumps(covered, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
