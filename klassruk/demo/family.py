"""The demo family's week: changes, a test, fresh grades, recommendations and signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.demo.catalogue import SEEDER
from klassruk.models import (
    AckChannel,
    AckKind,
    Acknowledgement,
    GuardianLink,
    TeachingAssignment,
    UserAccount,
)
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
from klassruk.services import calendar
from klassruk.services.acknowledgements import week_content
from klassruk.services.cabinet.lessons import LessonItem, student_lessons

RECOMMENDATIONS = (
    "Повторить правила из § 12 и выполнить работу над ошибками к пятнице.",
    "Хорошо работает на уроке; стоит чаще отвечать устно.",
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    # Moscow is UTC+3 all year: demo times read naturally in the school's zone.
    return datetime.combine(day, time(hour - 3, minute), tzinfo=UTC)


def _other_teacher(session: Session, lesson: Lesson) -> int | None:
    return session.scalar(
        select(TeachingAssignment.staff_id)
        .where(
            TeachingAssignment.subject_id == lesson.subject_id,
            TeachingAssignment.staff_id != lesson.staff_id,
        )
        .order_by(TeachingAssignment.staff_id)
        .limit(1)
    ) or session.scalar(
        select(TeachingAssignment.staff_id)
        .where(TeachingAssignment.staff_id != lesson.staff_id)
        .order_by(TeachingAssignment.staff_id)
        .limit(1)
    )


def _substitute(session: Session, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    new_staff = _other_teacher(session, lesson)
    if new_staff is None or item.changes:
        return
    session.add(
        LessonChange(
            lesson_id=lesson.id,
            kind=LessonChangeKind.SUBSTITUTION,
            announced_at=_at(today - timedelta(days=1), 16, 30),
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
            announced_at=_at(today, 9, 15),
            announced_by=SEEDER,
            reason="Учитель на курсах повышения квалификации",
        )
    )


def _move(session: Session, item: LessonItem, today: date) -> None:
    lesson = session.get_one(Lesson, item.lesson_id)
    session.add(
        LessonChange(
            lesson_id=lesson.id,
            kind=LessonChangeKind.MOVE,
            announced_at=_at(today, 8, 40),
            announced_by=SEEDER,
            old_date=lesson.lesson_date,
            new_date=lesson.lesson_date,
            old_number=lesson.number,
            new_number=7,
            reason="Изменение расписания",
        )
    )
    lesson.number = 7


def _fresh_grade(session: Session, student_id: int, item: LessonItem, today: date) -> None:
    session.add(
        Grade(
            lesson_id=item.lesson_id,
            student_id=student_id,
            value=5,
            kind=GradeKind.ORAL,
            weight=GRADE_KIND_WEIGHTS[GradeKind.ORAL],
            created_at=_at(today, 14, 5),
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
            acknowledged_at=_at(start + timedelta(days=6), 20, 10),
            user_id=user_id,
        )
    )


def seed_demo_family(session: Session, *, guardian_login: str, today: date) -> None:
    """This week for each child of the demo guardian, and one signed, one unsigned week.

    First child: last week signed, the week before signed and then a grade added (so it shows
    «есть новое»). Second child: last week unsigned. Today each child has a substitution.
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
    this_week = calendar.week_start(today)
    last_week = this_week - timedelta(days=7)
    for index, student_id in enumerate(children):
        week = student_lessons(session, student_id, this_week, this_week + timedelta(days=5))
        today_lessons = [item for item in week if item.lesson_date == today]
        later = [item for item in week if item.lesson_date > today]
        if today_lessons:
            _substitute(session, today_lessons[0], today)
            _fresh_grade(session, student_id, today_lessons[-1], today)
        if later:
            (_cancel if index == 0 else _move)(session, later[0], today)
            test_lesson = later[-1]
            session.add(
                PlannedTest(
                    group_id=session.get_one(Lesson, test_lesson.lesson_id).group_id,
                    subject_id=session.get_one(Lesson, test_lesson.lesson_id).subject_id,
                    planned_on=test_lesson.lesson_date,
                    title=f"Контрольная работа: {test_lesson.subject.lower()}",
                    created_by=SEEDER,
                )
            )
        for days_ago, (text, item) in enumerate(zip(RECOMMENDATIONS, week[:2], strict=False)):
            lesson = session.get_one(Lesson, item.lesson_id)
            session.add(
                Recommendation(
                    student_id=student_id,
                    subject_id=lesson.subject_id,
                    staff_id=lesson.staff_id,
                    text=text,
                    created_at=_at(today - timedelta(days=days_ago * 3), 15, 0),
                    created_by=SEEDER,
                )
            )
        session.flush()
        if index == 0:
            _sign_week(session, account.guardian_id, account.id, student_id, last_week)
            before = last_week - timedelta(days=7)
            _sign_week(session, account.guardian_id, account.id, student_id, before)
            lessons = student_lessons(session, student_id, before, before + timedelta(days=5))
            graded = [item for item in lessons if not item.cancelled]
            if graded:
                _fresh_grade(session, student_id, graded[-1], before + timedelta(days=8))
    session.flush()
