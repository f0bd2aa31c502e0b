"""What a family sees of a school week: for one child in the cabinet, for a class on paper."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from klassruk.models.journal import Absence, Grade, GradeKind, Lesson
from klassruk.models.school import Subject
from klassruk.services import calendar
from klassruk.services.cabinet.common import (
    in_students_lessons_bound,
    students_lessons_parameters,
)
from klassruk.services.cabinet.lessons import LessonItem, lessons_of_students


def fingerprint(shown: dict[str, Any]) -> str:
    """SHA-256 of what was shown: a later change of any item gives another fingerprint."""
    return hashlib.sha256(
        json.dumps(shown, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


@dataclass(frozen=True)
class WeekMark:
    """A grade or an absence mark of the week as the page lists it."""

    lesson_date: date
    subject: str
    mark: str
    kind: GradeKind | None = None


@dataclass(frozen=True)
class WeekContent:
    """What a family sees of a school week: the items, their ids, and the ids' fingerprint."""

    shown: dict[str, list[Any]]
    digest: str
    lessons: list[LessonItem] = field(default_factory=list)
    grades: list[WeekMark] = field(default_factory=list)
    absences: list[WeekMark] = field(default_factory=list)


def week_content(session: Session, *, student_id: int, week_start: date) -> WeekContent:
    """The week's grades, absences, lessons (topic, homework) and changes; no scope check."""
    return week_contents(session, student_ids=[student_id], weeks=[week_start])[
        (student_id, week_start)
    ]


@dataclass
class _Week:
    grades: list[tuple[Any, ...]] = field(default_factory=list)
    absences: list[tuple[Any, ...]] = field(default_factory=list)
    lessons: list[LessonItem] = field(default_factory=list)


def week_contents(
    session: Session, *, student_ids: Collection[int], weeks: Collection[date]
) -> dict[tuple[int, date], WeekContent]:
    """`week_content` of every student and week (Mondays) at once: six queries in all."""
    if not student_ids or not weeks:
        return {}
    starts_on, ends_on = min(weeks), max(weeks) + timedelta(days=6)
    parameters = {
        "student_ids": list(student_ids),
        **students_lessons_parameters(session, student_ids, starts_on, ends_on),
    }
    found: dict[tuple[int, date], _Week] = defaultdict(_Week)
    for row in session.execute(_grades_query(), parameters):
        found[row[0], calendar.week_start(row[5])].grades.append(row[1:])
    for absence in session.execute(_absences_query(), parameters):
        found[absence[0], calendar.week_start(absence[3])].absences.append(absence[1:])
    for student_id, items in lessons_of_students(session, student_ids, starts_on, ends_on).items():
        for item in items:
            found[student_id, calendar.week_start(item.lesson_date)].lessons.append(item)
    return {
        (student_id, monday): _content(found.get((student_id, monday), _Week()))
        for student_id in student_ids
        for monday in weeks
    }


# The home screen asks for the week on every visit: statements built once skip SQLAlchemy's
# construction and cache-key work.
@cache
def _grades_query() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Grade.student_id,
            Grade.id,
            Grade.value,
            Grade.kind,
            Grade.weight,
            Lesson.lesson_date,
            Subject.name,
        )
        .join(Lesson, Lesson.id == Grade.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Grade.student_id.in_(bindparam("student_ids", expanding=True)),
            in_students_lessons_bound(),
        )
        .order_by(Lesson.lesson_date, Grade.id)
    )


@cache
def _absences_query() -> Select[*tuple[Any, ...]]:
    return (
        select(Absence.student_id, Absence.id, Absence.mark, Lesson.lesson_date, Subject.name)
        .join(Lesson, Lesson.id == Absence.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Absence.student_id.in_(bindparam("student_ids", expanding=True)),
            in_students_lessons_bound(),
        )
        .order_by(Lesson.lesson_date, Absence.id)
    )


def _content(week: _Week) -> WeekContent:
    # The ledger's digests of earlier acknowledgements were made from exactly this shape.
    shown: dict[str, list[Any]] = {
        "grades": sorted([g[0], g[1], str(g[2]), g[3]] for g in week.grades),
        "absences": sorted([a[0], str(a[1])] for a in week.absences),
        "lessons": [
            [item.lesson_id, item.cancelled, item.topic or "", item.homework or ""]
            for item in week.lessons
        ],
        "changes": sorted(change.change_id for item in week.lessons for change in item.changes),
    }
    return WeekContent(
        shown,
        fingerprint(shown),
        week.lessons,
        [WeekMark(g[4], g[5], str(g[1]), g[2]) for g in week.grades],
        [WeekMark(a[2], a[3], str(a[1])) for a in week.absences],
    )
