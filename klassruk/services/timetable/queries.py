"""Reads of lessons for the deputy head and families: changes, a day's lessons, substitutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from klassruk.access.permissions import Action, Actor, require
from klassruk.models.journal import Lesson, LessonChange, LessonChangeKind, LessonStatus
from klassruk.models.school import Staff, StudyGroup, Subject, TeachingAssignment


@dataclass(frozen=True)
class ChangeRow:
    """An announced change as families see it."""

    lesson_id: int
    kind: LessonChangeKind
    lesson_date: date
    number: int
    group: str
    subject: str
    announced_at: datetime
    old_teacher: str
    new_teacher: str
    old_date: date | None
    old_number: int | None
    reason: str


def lesson_changes(
    session: Session, *, starts_on: date, ends_on: date, class_id: int | None = None
) -> list[ChangeRow]:
    """Changes of lessons that fall in the dates (public: families see them), newest first."""
    old_staff, new_staff = aliased(Staff), aliased(Staff)
    query = (
        select(LessonChange, Lesson, StudyGroup.name, Subject.name, old_staff, new_staff)
        .join(Lesson, Lesson.id == LessonChange.lesson_id)
        .join(StudyGroup, StudyGroup.id == Lesson.group_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(old_staff, old_staff.id == LessonChange.old_staff_id)
        .outerjoin(new_staff, new_staff.id == LessonChange.new_staff_id)
        .where(Lesson.lesson_date.between(starts_on, ends_on))
        .order_by(LessonChange.announced_at.desc())
    )
    if class_id is not None:
        query = query.where(StudyGroup.class_id == class_id)
    return [
        ChangeRow(
            lesson.id,
            change.kind,
            lesson.lesson_date,
            lesson.number,
            group,
            subject,
            change.announced_at,
            old.short_name if old else "",
            new.short_name if new else "",
            change.old_date,
            change.old_number,
            change.reason or "",
        )
        for change, lesson, group, subject, old, new in session.execute(query)
    ]


@dataclass(frozen=True)
class LessonRow:
    """A lesson of a day, for choosing one to change."""

    lesson_id: int
    number: int
    group: str
    subject: str
    teacher: str
    status: LessonStatus


def lessons_on(session: Session, actor: Actor, *, on: date, class_id: int) -> list[LessonRow]:
    """The lessons of a class's groups on a date (deputy head)."""
    require(actor, Action.MANAGE_CALENDAR)
    return [
        LessonRow(lesson.id, lesson.number, group, subject, staff.short_name, lesson.status)
        for lesson, group, subject, staff in session.execute(
            select(Lesson, StudyGroup.name, Subject.name, Staff)
            .join(StudyGroup, StudyGroup.id == Lesson.group_id)
            .join(Subject, Subject.id == Lesson.subject_id)
            .join(Staff, Staff.id == Lesson.staff_id)
            .where(Lesson.lesson_date == on, StudyGroup.class_id == class_id)
            .order_by(Lesson.number, StudyGroup.name)
        )
    ]


@dataclass(frozen=True)
class Substitute:
    """A teacher who might take a lesson, and whether they have none of their own then."""

    staff_id: int
    name: str
    is_free: bool


def substitutes(session: Session, actor: Actor, *, on: date, number: int) -> list[Substitute]:
    """Teachers with a teaching load, those free at that date and lesson number first."""
    require(actor, Action.MANAGE_CALENDAR)
    busy = (
        select(Lesson.id)
        .where(
            Lesson.staff_id == Staff.id,
            Lesson.lesson_date == on,
            Lesson.number == number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
        .exists()
    )
    return [
        Substitute(staff.id, staff.full_name, not is_busy)
        for staff, is_busy in session.execute(
            select(Staff, busy)
            .where(Staff.id.in_(select(TeachingAssignment.staff_id)))
            .order_by(busy, Staff.last_name, Staff.first_name)
        )
    ]
