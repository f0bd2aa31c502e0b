"""The demo family's week: changes, a test, fresh grades, recommendations and signatures."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from klassruk.demo.catalogue import SEEDER, demo_moment
from klassruk.errors import DomainError
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.journal import (
    GRADE_KIND_WEIGHTS,
    Grade,
    GradeKind,
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    PlannedTest,
    Recommendation,
)
from klassruk.models.school import GuardianLink, TeachingAssignment
from klassruk.services import calendar
from klassruk.services.cabinet.lessons import (
    LessonItem,
    first_school_day,
    last_school_day,
    student_lessons,
)
from klassruk.services.cabinet.weeks import week_content
from klassruk.services.journal.common import require_marks_allowed

# Where the demo's moved lesson goes: to the end of the day if free, else the latest free number.
MOVE_NUMBERS = (7, 8, 6, 5, 4, 3, 2, 1)
HOMEWORK_AHEAD = "Прочитать параграф к следующему уроку и ответить на вопросы после него."
RECOMMENDATIONS = (
    "Повторить правила из § 12 и выполнить работу над ошибками к пятнице.",
    "Хорошо работает на уроке; стоит чаще отвечать устно.",
)


def _busy(lesson: Lesson, number: int) -> ColumnElement[bool]:
    """Lessons given at that date and number (what the lesson services check a change against)."""
    return and_(
        Lesson.id != lesson.id,
        Lesson.lesson_date == lesson.lesson_date,
        Lesson.number == number,
        Lesson.status == LessonStatus.SCHEDULED,
    )


def _other_teacher(session: Session, lesson: Lesson) -> int | None:
    """A teacher free at the lesson's time, of the same subject if one is: who substitutes."""
    free = (
        ~select(Lesson.id)
        .where(_busy(lesson, lesson.number), Lesson.staff_id == TeachingAssignment.staff_id)
        .exists()
    )
    candidates = (
        select(TeachingAssignment.staff_id)
        .where(TeachingAssignment.staff_id != lesson.staff_id, free)
        .order_by(TeachingAssignment.subject_id != lesson.subject_id, TeachingAssignment.staff_id)
        .limit(1)
    )
    return session.scalar(candidates)


def _free_number(session: Session, lesson: Lesson) -> int:
    """The lesson number a move goes to: late in the day if the group and the teacher are free."""
    for number in MOVE_NUMBERS:
        taken = select(Lesson.id).where(
            _busy(lesson, number),
            or_(Lesson.group_id == lesson.group_id, Lesson.staff_id == lesson.staff_id),
        )
        if number != lesson.number and session.scalar(taken.limit(1)) is None:
            return number
    return 0


def _substitute(session: Session, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    new_staff = _other_teacher(session, lesson)
    if new_staff is None or item.changes:
        return
    session.add(
        LessonChange(
            lesson_id=lesson.id,
            kind=LessonChangeKind.SUBSTITUTION,
            announced_at=demo_moment(today - timedelta(days=1), 16, 30),
            announced_by=SEEDER,
            old_staff_id=lesson.staff_id,
            new_staff_id=new_staff,
            reason="Болезнь учителя",
        )
    )
    lesson.staff_id = new_staff


def _cancel(session: Session, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    lesson.status = LessonStatus.CANCELLED
    session.add(
        LessonChange(
            lesson_id=lesson.id,
            kind=LessonChangeKind.CANCELLATION,
            announced_at=demo_moment(today, 9, 15),
            announced_by=SEEDER,
            reason="Учитель на курсах повышения квалификации",
        )
    )


def _move(session: Session, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    number = _free_number(session, lesson)
    session.add(
        LessonChange(
            lesson_id=lesson.id,
            kind=LessonChangeKind.MOVE,
            announced_at=demo_moment(today, 8, 40),
            announced_by=SEEDER,
            old_date=lesson.lesson_date,
            new_date=lesson.lesson_date,
            old_number=lesson.number,
            new_number=number,
            reason="Изменение расписания",
        )
    )
    lesson.number = number


def _fresh_grade(session: Session, student_id: int, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    try:
        require_marks_allowed(session, lesson.group_id)
    except DomainError:
        return  # a first grader: taught without marks
    session.add(
        Grade(
            lesson_id=item.lesson_id,
            student_id=student_id,
            value=5,
            kind=GradeKind.ORAL,
            weight=GRADE_KIND_WEIGHTS[GradeKind.ORAL],
            created_at=demo_moment(today, 14, 5),
            created_by=SEEDER,
        )
    )


def _sign_week(
    session: Session, guardian_id: int, user_id: int, student_id: int, start: date
) -> None:
    content = week_content(session, student_id=student_id, week_start=start)
    session.add(
        Acknowledgement(
            guardian_id=guardian_id,
            student_id=student_id,
            kind=AckKind.WEEK,
            week_start=start,
            shown=content.shown,
            digest=content.digest,
            channel=AckChannel.WEB,
            acknowledged_at=demo_moment(start + timedelta(days=6), 20, 10),
            user_id=user_id,
        )
    )


def _plan_week(upcoming: list[LessonItem]) -> dict[str, LessonItem]:
    """Which of the coming lessons get the substitution, the move, the cancellation, the test."""
    first_day = upcoming[0].lesson_date
    later = [item for item in upcoming if item.lesson_date > first_day]
    picks = {"substitution": upcoming[0]}
    picks["cancellation"] = later[0] if later else upcoming[-1]
    rest = [item for item in upcoming[1:] if item is not picks["cancellation"]]
    if rest:
        picks["move"] = rest[0]
    if len(rest) > 1:
        picks["test"] = rest[-1]
    return picks


def _add_week_changes(session: Session, student_id: int, anchor: date, today: date) -> None:
    """The anchor's week: a substitution, a move, a cancellation and a test still to come."""
    week_end = calendar.week_start(anchor) + timedelta(days=5)
    upcoming = [
        item
        for item in student_lessons(session, student_id, anchor, week_end)
        if not item.cancelled and not item.changes
    ]
    if not upcoming:
        return
    picks = _plan_week(upcoming)
    _substitute(session, picks["substitution"], anchor)
    _cancel(session, picks["cancellation"], today)
    if "move" in picks:
        _move(session, picks["move"], today)
    if "test" in picks:
        lesson = session.get_one(Lesson, picks["test"].lesson_id)
        session.add(
            PlannedTest(
                group_id=lesson.group_id,
                subject_id=lesson.subject_id,
                planned_on=lesson.lesson_date,
                title=f"Контрольная работа: {picks['test'].subject.lower()}",
                created_by=SEEDER,
            )
        )
    for item in upcoming:
        if item.lesson_date == anchor and not item.homework:
            session.get_one(Lesson, item.lesson_id).homework = HOMEWORK_AHEAD


def seed_demo_family(session: Session, *, guardian_login: str, today: date) -> None:
    """The demo guardian's children around the next school day from `today` (today if it is one).

    Each child: that week's substitution, move, cancellation and test, homework for that day,
    a fresh grade on the last school day before it, two recommendations. First child: the latest
    week with lessons is left to sign, the two before it are signed, then a grade is added to
    the earlier (so it shows «есть новое»). Second child: nothing signed.
    """
    account = session.scalar(select(UserAccount).where(UserAccount.login == guardian_login))
    if account is None or account.guardian_id is None:
        return
    children = list(
        session.scalars(
            select(GuardianLink.student_id)
            .where(GuardianLink.guardian_id == account.guardian_id)
            .order_by(GuardianLink.student_id)
        )
    )
    for index, student_id in enumerate(children):
        anchor = first_school_day(session, student_id, today)
        if anchor is None:
            continue
        _add_week_changes(session, student_id, anchor, today)
        graded_day = last_school_day(session, student_id, anchor)
        recent = student_lessons(session, student_id, graded_day or anchor, graded_day or anchor)
        recent = [item for item in recent if not item.cancelled]
        if recent:
            _fresh_grade(session, student_id, recent[-1], graded_day or anchor)
        for days_ago, (text, item) in enumerate(zip(RECOMMENDATIONS, recent[:2], strict=False)):
            lesson = session.get_one(Lesson, item.lesson_id)
            session.add(
                Recommendation(
                    student_id=student_id,
                    subject_id=lesson.subject_id,
                    staff_id=lesson.staff_id,
                    text=text,
                    created_at=demo_moment(today - timedelta(days=days_ago * 3), 15, 0),
                    created_by=SEEDER,
                )
            )
        session.flush()
        if index == 0:
            # The latest week with lessons stays to sign; the two before it are signed.
            latest = last_school_day(session, student_id, today + timedelta(days=1)) or anchor
            last_week = calendar.week_start(latest) - timedelta(days=7)
            _sign_week(session, account.guardian_id, account.id, student_id, last_week)
            before = last_week - timedelta(days=7)
            _sign_week(session, account.guardian_id, account.id, student_id, before)
            lessons = student_lessons(session, student_id, before, before + timedelta(days=5))
            graded = [item for item in lessons if not item.cancelled]
            if graded:
                _fresh_grade(session, student_id, graded[-1], before + timedelta(days=8))
    session.flush()
