"""Lessons: topics, homework, extra lessons and planned tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.errors import Conflict, DomainError
from klassruk.models.journal import (
    Lesson,
    LessonStatus,
    PlannedTest,
)
from klassruk.models.school import GroupMembership, Student, StudyGroup, Subject, TeachingAssignment
from klassruk.services import calendar
from klassruk.services.journal.common import CONFLICT, _bullets
from klassruk.services.journal.grades import _writable_lesson
from klassruk.services.locking import lock_rows, read_modify_write
from klassruk.services.notifications import events
from klassruk.services.scope.classes import active_on
from klassruk.services.scope.journals import require_journal_reader, require_journal_writer
from klassruk.text.formatting import format_date
from klassruk.text.policy import required_reason


@dataclass(frozen=True)
class LessonUpdate:
    """New topic and homework of a lesson, with what the page showed when it was read."""

    lesson_id: int
    topic: str
    homework: str
    expected_topic: str
    expected_homework: str


def _quoted(text: str) -> str:
    return f"«{text[:60]}{'…' if len(text) > 60 else ''}»" if text else "пусто"


def save_lessons(session: Session, actor: Actor, *, updates: list[LessonUpdate]) -> int:
    """Save topics and homework of several lessons; all or nothing, refused on a conflict."""
    lock_rows(session, Lesson, [update.lesson_id for update in updates])
    changed: list[tuple[Lesson, str, str]] = []
    conflicts: list[str] = []
    conflicted: set[int] = set()
    for update in updates:
        lesson = _writable_lesson(session, actor, update.lesson_id, "тема и задание")
        topic = (update.topic or "").strip()
        homework = (update.homework or "").strip()
        if len(topic) > 500 or len(homework) > 1000:
            raise DomainError(
                f"{format_date(lesson.lesson_date)}: тема — до 500 символов, задание — до 1000."
            )
        now = ((lesson.topic or "").strip(), (lesson.homework or "").strip())
        was = (update.expected_topic.strip(), update.expected_homework.strip())
        if (topic, homework) in (now, was):
            continue
        if now != was:
            conflicts.append(
                f"{format_date(lesson.lesson_date)}: тема сейчас {_quoted(now[0])}, "
                f"задание {_quoted(now[1])}"
            )
            conflicted.add(lesson.id)
            continue
        changed.append((lesson, topic, homework))
    if conflicts:
        raise Conflict(CONFLICT + _bullets(conflicts), frozenset(conflicted))
    news = []
    for lesson, topic, homework in changed:
        new_homework = bool(homework) and homework != (lesson.homework or "").strip()
        lesson.topic = topic or None
        lesson.homework = homework or None
        if new_homework:
            news.append(events.homework_event(lesson))
    session.flush()
    events.emit(session, news)
    return len(changed)


@read_modify_write("the group row locked before the lesson number is checked")
def add_lesson(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    on: date,
    number: int,
    topic: str = "",
) -> Lesson:
    """Add a lesson outside the timetable (e.g. a make-up lesson) on a school day."""
    period = calendar.check_school_day(session, on)
    require_journal_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=topic
    )
    if not 0 <= number <= 10:
        raise DomainError("Номер урока — от 0 до 10.")
    # Two extra lessons at once: the second waits for the group, then sees the first's lesson.
    lock_rows(session, StudyGroup, [group_id])
    if session.scalar(
        select(Lesson.id).where(
            Lesson.group_id == group_id,
            Lesson.lesson_date == on,
            Lesson.number == number,
            Lesson.status == LessonStatus.SCHEDULED,
        )
    ):
        raise DomainError(f"{format_date(on)} у группы уже есть {number}-й урок.")
    staff_id = actor.staff_id or session.scalar(
        select(TeachingAssignment.staff_id).where(
            TeachingAssignment.group_id == group_id, TeachingAssignment.subject_id == subject_id
        )
    )
    if staff_id is None:
        raise DomainError("У группы нет учителя по этому предмету.")
    lesson = Lesson(
        group_id=group_id,
        subject_id=subject_id,
        staff_id=staff_id,
        lesson_date=on,
        number=number,
        topic=topic.strip() or None,
    )
    session.add(lesson)
    session.flush()
    return lesson


# ---------------------------------------------------------------- tests, period grades, advice


@dataclass(frozen=True)
class TestRef:
    """A planned test, with what changed since it was first planned."""

    test_id: int
    planned_on: date
    title: str
    moved_from: date | None = None
    cancel_reason: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancel_reason is not None


class SameDayTest(DomainError):
    """The pupils already have a test that day; the teacher may confirm and plan anyway."""


MAX_TESTS_PER_DAY = 1


def _pupils(group_id: int, on: date) -> Select[int]:
    """The group's members on the day."""
    return select(GroupMembership.student_id).where(
        GroupMembership.group_id == group_id,
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )


def _same_day_tests(
    session: Session, *, group_id: int, on: date, except_id: int | None
) -> list[str]:
    """Other tests that day for any pupil of the group: «Алгебра, 7А — «Дроби»»."""
    sharing = select(GroupMembership.group_id).where(
        GroupMembership.student_id.in_(_pupils(group_id, on)),
        active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
    )
    rows = session.execute(
        select(Subject.name, StudyGroup.name, PlannedTest.title)
        .join(Subject, Subject.id == PlannedTest.subject_id)
        .join(StudyGroup, StudyGroup.id == PlannedTest.group_id)
        .where(
            PlannedTest.planned_on == on,
            PlannedTest.cancelled_at.is_(None),
            PlannedTest.group_id.in_(sharing),
            PlannedTest.id != (except_id or 0),
        )
        .order_by(Subject.name)
    )
    return [f"{subject}, {group} — «{title}»" for subject, group, title in rows]


def _check_same_day(
    session: Session, *, group_id: int, on: date, except_id: int | None, confirmed: bool
) -> None:
    # Schools hold at most one test a day per class (оценочные процедуры are spread out):
    # the teacher is told which test is already there and decides. Two plans for the same
    # pupils' day wait for each other (pupil rows locked), so the second sees the first.
    lock_rows(session, Student, list(session.scalars(_pupils(group_id, on))))
    others = _same_day_tests(session, group_id=group_id, on=on, except_id=except_id)
    if len(others) >= MAX_TESTS_PER_DAY and not confirmed:
        raise SameDayTest(
            f"{format_date(on)} у этих обучающихся уже есть контрольная работа: "
            f"{'; '.join(others)}. Обычно в день проводят не больше одной. "
            "Выберите другой день или подтвердите, что контрольных будет две."
        )


@read_modify_write("the pupils' rows locked before the same-day tests are read")
def plan_test(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    on: date,
    title: str,
    confirm_same_day: bool = False,
) -> PlannedTest:
    """Plan a test (контрольная работа) for a school day; families see the schedule."""
    title = title.strip()
    if not title:
        raise DomainError("Укажите тему контрольной работы.")
    period = calendar.check_school_day(session, on)
    require_journal_writer(
        session, actor, group_id=group_id, subject_id=subject_id, period=period, reason=title
    )
    _check_same_day(session, group_id=group_id, on=on, except_id=None, confirmed=confirm_same_day)
    test = PlannedTest(
        group_id=group_id,
        subject_id=subject_id,
        planned_on=on,
        title=title,
        created_by=actor.login,
    )
    session.add(test)
    session.flush()
    events.emit(
        session, [events.test_event(group_id=group_id, subject_id=subject_id, on=on, title=title)]
    )
    return test


def _own_test(
    session: Session, actor: Actor, test_id: int, *, group_id: int, subject_id: int
) -> PlannedTest:
    """The test, locked, if it belongs to this journal, is not cancelled and its period is open."""
    lock_rows(session, PlannedTest, [test_id])
    test = session.get(PlannedTest, test_id)
    if test is None or (test.group_id, test.subject_id) != (group_id, subject_id):
        raise DomainError("Такой контрольной работы в этом журнале нет.")
    if test.cancelled_at is not None:
        raise DomainError(f"Контрольная работа «{test.title}» уже отменена.")
    period = calendar.period_on(session, test.planned_on)
    if period is None:
        raise DomainError("Дата контрольной работы вне учебных периодов.")
    require_journal_writer(
        session,
        actor,
        group_id=group_id,
        subject_id=subject_id,
        period=period,
        reason=test.title,
    )
    return test


def change_test(
    session: Session,
    actor: Actor,
    *,
    test_id: int,
    group_id: int,
    subject_id: int,
    on: date,
    title: str,
    expected_on: date,
    expected_title: str,
    confirm_same_day: bool = False,
) -> PlannedTest:
    """Move a planned test or rename it; families see the first date beside the new one."""
    test = _own_test(session, actor, test_id, group_id=group_id, subject_id=subject_id)
    if (test.planned_on, test.title) != (expected_on, expected_title):
        raise Conflict(
            f"{CONFLICT} Контрольная работа сейчас: {format_date(test.planned_on)}, «{test.title}»."
        )
    title = title.strip()
    if not title:
        raise DomainError("Укажите тему контрольной работы.")
    if (on, title) == (test.planned_on, test.title):
        return test
    if on != test.planned_on:
        period = calendar.check_school_day(session, on)
        require_journal_writer(
            session,
            actor,
            group_id=group_id,
            subject_id=subject_id,
            period=period,
            reason=title,
        )
        _check_same_day(
            session, group_id=group_id, on=on, except_id=test.id, confirmed=confirm_same_day
        )
        test.moved_from = test.moved_from or test.planned_on
        test.planned_on = on
    test.title = title
    test.changed_at = utcnow()
    test.changed_by = actor.login
    session.flush()
    return test


def cancel_test(
    session: Session,
    actor: Actor,
    *,
    test_id: int,
    group_id: int,
    subject_id: int,
    reason: str,
) -> PlannedTest:
    """Cancel a planned test with a reason; the row stays, so families see it was cancelled."""
    reason = required_reason(reason, missing="Укажите причину отмены: её увидят семьи.", limit=300)
    test = _own_test(session, actor, test_id, group_id=group_id, subject_id=subject_id)
    test.cancelled_at = utcnow()
    test.cancel_reason = reason
    test.changed_by = actor.login
    test.changed_at = test.cancelled_at
    session.flush()
    return test


def planned_tests(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, period_id: int
) -> list[TestRef]:
    """The tests planned for the group in the period."""
    require_journal_reader(session, actor, group_id=group_id, subject_id=subject_id)
    period = calendar.get_period(session, period_id)
    return [
        TestRef(*row)
        for row in session.execute(
            select(
                PlannedTest.id,
                PlannedTest.planned_on,
                PlannedTest.title,
                PlannedTest.moved_from,
                PlannedTest.cancel_reason,
            )
            .where(
                PlannedTest.group_id == group_id,
                PlannedTest.subject_id == subject_id,
                PlannedTest.planned_on.between(period.starts_on, period.ends_on),
            )
            .order_by(PlannedTest.planned_on)
        )
    ]
