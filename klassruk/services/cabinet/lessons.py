"""The student's lessons: the timetable week with its changes, homework, tests."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from klassruk.access.permissions import Actor
from klassruk.models.journal import (
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    PlannedTest,
)
from klassruk.models.school import Staff, Subject
from klassruk.services import calendar
from klassruk.services.cabinet.common import attendance_of, attendances_of
from klassruk.services.scope.students import require_family_scope
from klassruk.text.formatting import format_date
from klassruk.text.russian import Case, decline_name, gender_of

HOMEWORK_DAYS_BACK = 7
HOMEWORK_DAYS_AHEAD = 7
# Where the next school day is looked for: past a weekend first, then past a vacation or summer.
NEXT_DAY_HORIZONS = (7, 100)


@dataclass(frozen=True)
class ChangeNote:
    """A substitution, move or cancellation as families read it."""

    change_id: int
    kind: LessonChangeKind
    text: str
    reason: str | None
    announced_at: datetime


@dataclass(frozen=True)
class LessonItem:
    """One lesson of the student's week."""

    lesson_id: int
    lesson_date: date
    number: int
    subject: str
    teacher: str
    room: str | None
    cancelled: bool
    topic: str | None
    homework: str | None
    changes: list[ChangeNote] = field(default_factory=list)


def _short(last: str | None, first: str | None, middle: str | None) -> str:
    if not last:
        return "—"
    initials = "".join(f"{p[0]}." for p in (first, middle) if p)
    return f"{last} {initials}".strip()


def _instead_of(last: str | None, first: str | None, middle: str | None) -> str:
    """«(вместо) Александровой А.П.»: the short name in the genitive, gender from the full one."""
    if not last:
        return "—"
    return decline_name(_short(last, first, middle), Case.GENITIVE, gender_of(last, first, middle))


def _change_text(
    kind: LessonChangeKind,
    old_teacher: str,
    new_teacher: str,
    old_date: date | None,
    new_date: date | None,
    old_number: int | None,
    new_number: int | None,
) -> str:
    if kind is LessonChangeKind.SUBSTITUTION:
        return f"Замена: вместо {old_teacher} урок ведёт {new_teacher}"
    if kind is LessonChangeKind.MOVE:
        return (
            f"Перенос: с {old_number}-го урока {format_date(old_date)} "
            f"на {new_number}-й урок {format_date(new_date)}"
        )
    return "Урок отменён"


def student_lessons(
    session: Session, student_id: int, starts_on: date, ends_on: date, *, changed_only: bool = False
) -> list[LessonItem]:
    """The student's lessons of a date range with their changes (callers check the scope)."""
    lessons = lessons_of_students(
        session, [student_id], starts_on, ends_on, changed_only=changed_only
    )
    return lessons[student_id]


def lessons_of_students(
    session: Session,
    student_ids: Collection[int],
    starts_on: date,
    ends_on: date,
    *,
    changed_only: bool = False,
) -> dict[int, list[LessonItem]]:
    """`student_lessons` of several students in three queries (callers check the scope)."""
    attendance = attendances_of(session, student_ids)
    group_ids = sorted({g for a in attendance.values() for g in a.group_ids})
    rows = (
        session.execute(
            _lessons_query(changed_only),
            {"group_ids": group_ids, "starts_on": starts_on, "ends_on": ends_on},
        ).all()
        if group_ids
        else []
    )
    # One item per lesson, shared by every student who sits in it.
    items = {
        row[2]: LessonItem(
            lesson_id=row[2],
            lesson_date=row[3],
            number=row[4],
            subject=row[5],
            teacher=_short(row[6], row[7], row[8]),
            room=row[9],
            cancelled=row[10] == LessonStatus.CANCELLED,
            topic=row[11],
            homework=row[12],
        )
        for row in rows
    }
    _add_changes(session, items)
    return {
        student_id: [
            items[row[2]] for row in rows if attendance[student_id].attends(row[0], row[1], row[3])
        ]
        for student_id in student_ids
    }


# The lesson and change queries run for nearly every cabinet screen: built once, with bind
# parameters, they skip SQLAlchemy's statement construction and cache-key work on each run.
@cache
def _lessons_query(changed_only: bool) -> Select[*tuple[Any, ...]]:
    query = (
        select(
            Lesson.group_id,
            Lesson.subject_id,
            Lesson.id,
            Lesson.lesson_date,
            Lesson.number,
            Subject.name,
            Staff.last_name,
            Staff.first_name,
            Staff.middle_name,
            Lesson.room,
            Lesson.status,
            Lesson.topic,
            Lesson.homework,
        )
        .join(Subject, Subject.id == Lesson.subject_id)
        .join(Staff, Staff.id == Lesson.staff_id)
        .where(
            Lesson.group_id.in_(bindparam("group_ids", expanding=True)),
            Lesson.lesson_date.between(
                bindparam("starts_on", type_=Date), bindparam("ends_on", type_=Date)
            ),
        )
        .order_by(Lesson.lesson_date, Lesson.number, Subject.name)
    )
    if changed_only:
        query = query.where(
            select(LessonChange.id).where(LessonChange.lesson_id == Lesson.id).exists()
        )
    return query


@cache
def _changes_query() -> Select[*tuple[Any, ...]]:
    old_staff, new_staff = aliased(Staff), aliased(Staff)
    return (
        select(
            LessonChange.id,
            LessonChange.lesson_id,
            LessonChange.kind,
            LessonChange.reason,
            LessonChange.announced_at,
            LessonChange.old_date,
            LessonChange.new_date,
            LessonChange.old_number,
            LessonChange.new_number,
            old_staff.last_name,
            old_staff.first_name,
            old_staff.middle_name,
            new_staff.last_name,
            new_staff.first_name,
            new_staff.middle_name,
        )
        .outerjoin(old_staff, old_staff.id == LessonChange.old_staff_id)
        .outerjoin(new_staff, new_staff.id == LessonChange.new_staff_id)
        .where(LessonChange.lesson_id.in_(bindparam("lesson_ids", expanding=True)))
        .order_by(LessonChange.announced_at)
    )


def _add_changes(session: Session, items: dict[int, LessonItem]) -> None:
    """Attach every announced change to its lesson, in the order they were announced."""
    if not items:
        return
    for row in session.execute(_changes_query(), {"lesson_ids": list(items)}):
        text = _change_text(
            row[2],
            _instead_of(row[9], row[10], row[11]),
            _short(row[12], row[13], row[14]),
            row[5],
            row[6],
            row[7],
            row[8],
        )
        items[row[1]].changes.append(ChangeNote(row[0], row[2], text, row[3], row[4]))


def timetable_week(
    session: Session, actor: Actor, *, student_id: int, week_start: date, on: date
) -> list[LessonItem]:
    """The student's lessons Monday to Saturday of a week, with every announced change."""
    require_family_scope(session, actor, student_id, on=on)
    return student_lessons(
        session, student_id, week_start, week_start + timedelta(days=5), changed_only=False
    )


def first_school_day(session: Session, student_id: int, on: date) -> date | None:
    """The first day from `on` on with a lesson of the student (callers check the scope)."""
    for days in NEXT_DAY_HORIZONS:
        ahead = student_lessons(session, student_id, on, on + timedelta(days=days))
        if ahead:
            return min(item.lesson_date for item in ahead)
    return None


def last_school_day(session: Session, student_id: int, before: date) -> date | None:
    """The last day before `before` with a lesson of the student (callers check the scope)."""
    for days in NEXT_DAY_HORIZONS:
        behind = student_lessons(
            session, student_id, before - timedelta(days=days), before - timedelta(days=1)
        )
        if behind:
            return max(item.lesson_date for item in behind)
    return None


def next_school_day(session: Session, actor: Actor, *, student_id: int, on: date) -> date | None:
    """Today if the student has lessons today, else the next day with lessons."""
    require_family_scope(session, actor, student_id, on=on)
    return first_school_day(session, student_id, on)


def changes_on(session: Session, actor: Actor, *, student_id: int, on: date) -> list[LessonItem]:
    """Today's lessons of the student that were substituted, moved or cancelled."""
    require_family_scope(session, actor, student_id, on=on)
    return student_lessons(session, student_id, on, on, changed_only=True)


@dataclass(frozen=True)
class HomeworkItem:
    """Homework set in a lesson, with the lesson's topic."""

    lesson_date: date
    subject: str
    topic: str | None
    homework: str


def homework(session: Session, actor: Actor, *, student_id: int, on: date) -> list[HomeworkItem]:
    """Homework of the past week and the coming days, by date."""
    require_family_scope(session, actor, student_id, on=on)
    attendance = attendance_of(session, student_id)
    rows = session.execute(_homework_query(), {
        "group_ids": attendance.group_ids,
        "starts_on": on - timedelta(days=HOMEWORK_DAYS_BACK),
        "ends_on": on + timedelta(days=HOMEWORK_DAYS_AHEAD),
    })
    return [
        HomeworkItem(day, subject, topic, text or "")
        for group_id, subject_id, day, subject, topic, text in rows
        if attendance.attends(group_id, subject_id, day)
    ]


@cache
def _homework_query() -> Select[*tuple[Any, ...]]:
    # Built once, like the lesson queries above: the home screen and the homework screen ask.
    return (
        select(
            Lesson.group_id,
            Lesson.subject_id,
            Lesson.lesson_date,
            Subject.name,
            Lesson.topic,
            Lesson.homework,
        )
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(
            Lesson.group_id.in_(bindparam("group_ids", expanding=True)),
            Lesson.lesson_date.between(
                bindparam("starts_on", type_=Date), bindparam("ends_on", type_=Date)
            ),
            Lesson.homework.is_not(None),
            Lesson.homework != "",
            Lesson.status == LessonStatus.SCHEDULED,
        )
        .order_by(Lesson.lesson_date, Lesson.number)
    )


@dataclass(frozen=True)
class TestItem:
    """A planned test (контрольная работа)."""

    test_id: int
    planned_on: date
    subject: str
    title: str
    moved_from: date | None = None
    cancel_reason: str | None = None

    @property
    def change(self) -> str | None:
        """What families are told changed: «перенесена с 03.12.2026», «отменена: …»."""
        if self.cancel_reason is not None:
            return f"отменена: {self.cancel_reason}"
        if self.moved_from is not None:
            return f"перенесена с {format_date(self.moved_from)}"
        return None


def tests_of_period(
    session: Session, actor: Actor, *, student_id: int, period_id: int, on: date
) -> list[TestItem]:
    """The student's tests planned in the period, by date."""
    require_family_scope(session, actor, student_id, on=on)
    period = calendar.get_period(session, period_id)
    return student_tests(session, student_id, period.starts_on, period.ends_on)


def student_tests(
    session: Session, student_id: int, starts_on: date, ends_on: date
) -> list[TestItem]:
    """The student's tests of a date range (callers check the scope)."""
    attendance = attendance_of(session, student_id)
    rows = session.execute(_tests_query(), {
        "group_ids": attendance.group_ids, "starts_on": starts_on, "ends_on": ends_on
    })
    return [
        TestItem(test_id, on, subject, title, moved_from, reason)
        for group_id, subject_id, test_id, on, subject, title, moved_from, reason in rows
        if attendance.attends(group_id, subject_id, on)
    ]


@cache
def _tests_query() -> Select[*tuple[Any, ...]]:
    # Built once: the tests screen and the items a guardian acknowledges ask for them.
    return (
        select(
            PlannedTest.group_id,
            PlannedTest.subject_id,
            PlannedTest.id,
            PlannedTest.planned_on,
            Subject.name,
            PlannedTest.title,
            PlannedTest.moved_from,
            PlannedTest.cancel_reason,
        )
        .join(Subject, Subject.id == PlannedTest.subject_id)
        .where(
            PlannedTest.group_id.in_(bindparam("group_ids", expanding=True)),
            PlannedTest.planned_on.between(
                bindparam("starts_on", type_=Date), bindparam("ends_on", type_=Date)
            ),
        )
        .order_by(PlannedTest.planned_on, Subject.name)
    )
