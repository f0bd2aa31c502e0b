"""A teacher's day: the lessons to fill in, with what is still missing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.models.journal import Absence, Lesson, LessonStatus
from klassruk.models.school import StudyGroup, Subject

# How far ahead «the next school day» is looked for: past the longest holidays.
LOOK_AHEAD_DAYS = 21


@dataclass(frozen=True)
class DayLesson:
    """One lesson of the day and what the journal already has for it."""

    lesson_id: int
    number: int
    group_id: int
    subject_id: int
    group: str
    subject: str
    room: str | None
    has_topic: bool
    has_homework: bool
    absences: int
    cancelled: bool


@dataclass(frozen=True)
class TeacherDay:
    """The lessons of `on`; `on` is the next day with lessons when the asked day has none."""

    on: date
    asked: date
    lessons: list[DayLesson]


def teacher_day(session: Session, actor: Actor, *, on: date) -> TeacherDay:
    """The actor's own lessons of `on`, else of the next day they teach (None of them: empty)."""
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return TeacherDay(on, on, [])
    mine = Lesson.staff_id == actor.staff_id
    day = session.scalar(
        select(func.min(Lesson.lesson_date)).where(
            mine,
            Lesson.lesson_date >= on,
            Lesson.lesson_date <= on + timedelta(days=LOOK_AHEAD_DAYS),
        )
    )
    if day is None:
        return TeacherDay(on, on, [])
    rows = session.execute(
        select(
            Lesson.id, Lesson.number, Lesson.group_id, Lesson.subject_id, StudyGroup.name,
            Subject.name, Lesson.room, Lesson.topic, Lesson.homework,
            func.count(Absence.id), Lesson.status,
        )
        .join(StudyGroup, StudyGroup.id == Lesson.group_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(Absence, Absence.lesson_id == Lesson.id)
        .where(mine, Lesson.lesson_date == day)
        .group_by(Lesson.id, StudyGroup.name, Subject.name)
        .order_by(Lesson.number, StudyGroup.name)
    )
    return TeacherDay(day, on, [
        DayLesson(
            lesson_id, number, group_id, subject_id, group, subject, room,
            bool((topic or "").strip()), bool((homework or "").strip()), absences,
            status == LessonStatus.CANCELLED,
        )
        for (lesson_id, number, group_id, subject_id, group, subject, room, topic, homework,
             absences, status) in rows
    ])
