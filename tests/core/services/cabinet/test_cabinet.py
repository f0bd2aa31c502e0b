"""The family cabinet's services: scope per family, what each section returns, the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.families import AckKind, Acknowledgement, FamilyActivity, FamilyEvent
from klassruk.models.journal import Grade, GradeKind, Lesson, PlannedTest
from klassruk.models.school import (
    GroupKind,
    GroupMembership,
    GuardianLink,
    SchoolClass,
    Staff,
    StudyGroup,
)
from klassruk.services import activity, calendar
from klassruk.services.acknowledgements.ledger import (
    acknowledge_all,
    acknowledge_item,
    acknowledge_week,
)
from klassruk.services.acknowledgements.state import items_to_acknowledge, week_status
from klassruk.services.cabinet import lessons, record, school
from klassruk.services.cabinet.common import list_children
from klassruk.services.cabinet.lessons import student_lessons
from klassruk.services.timetable.changes import substitute_teacher
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import build_journal_school

ON = TODAY
SINCE = date(2026, 11, 23)
WEEK = calendar.week_start(ON)


@pytest.fixture
def demo(session: Session) -> Session:
    seed_demo_school(session, size=SMALL)
    session.flush()
    return session


def _period_id(session: Session) -> int:
    period = calendar.period_for_today(session, ON)
    assert period is not None
    return period.period_id


def _own_children(session: Session) -> list[int]:
    return [c.student_id for c in list_children(session, actor_of(session, "roditel"), on=ON)]


def _stranger(session: Session) -> int:
    """A student of another family."""
    own = _own_children(session)
    return session.scalars(
        select(GuardianLink.student_id).where(GuardianLink.student_id.not_in(own))
    ).first()


def _services(session: Session) -> dict[str, Callable[[Actor, int], Any]]:
    period_id = _period_id(session)
    return {
        "timetable": lambda a, s: lessons.timetable_week(
            session, a, student_id=s, week_start=WEEK, on=ON
        ),
        "changes": lambda a, s: lessons.changes_on(session, a, student_id=s, on=ON),
        "homework": lambda a, s: lessons.homework(session, a, student_id=s, on=ON),
        "tests": lambda a, s: lessons.tests_of_period(
            session, a, student_id=s, period_id=period_id, on=ON
        ),
        "grades": lambda a, s: record.grades_of_period(
            session, a, student_id=s, period_id=period_id, on=ON
        ),
        "new_grades": lambda a, s: record.new_grades(
            session, a, student_id=s, since=SINCE, on=ON, timezone="Europe/Moscow"
        ),
        "new_grades_since": lambda a, s: record.new_grades_since(
            session, a, student_id=s, on=ON
        ),
        "absences": lambda a, s: record.absences_of_period(
            session, a, student_id=s, period_id=period_id, on=ON
        ),
        "recommendations": lambda a, s: record.recommendations_of(
            session, a, student_id=s, on=ON
        ),
        "teachers": lambda a, s: school.teachers_of_child(session, a, student_id=s, on=ON),
        "calendar": lambda a, s: school.year_calendar(session, a, student_id=s, on=ON),
        "week_status": lambda a, s: week_status(
            session, a, student_id=s, week_start=WEEK, on=ON
        ),
        "items": lambda a, s: items_to_acknowledge(
            session, a, student_id=s, on=ON
        ),
        "acknowledge_week": lambda a, s: acknowledge_week(
            session, a, student_id=s, week_start=WEEK, digest="0" * 64, on=ON
        ),
        "acknowledge_item": lambda a, s: acknowledge_item(
            session, a, student_id=s, kind=AckKind.RECOMMENDATION, item_id=1, digest="0", on=ON
        ),
    }


SERVICE_NAMES = [
    "timetable", "changes", "homework", "tests", "grades", "new_grades", "absences",
    "recommendations", "teachers", "calendar", "week_status", "items", "acknowledge_week",
    "acknowledge_item",
]
READERS = [name for name in SERVICE_NAMES if not name.startswith("acknowledge")]


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_another_familys_child_is_refused_by_every_service(demo, name):
    service = _services(demo)[name]
    stranger = _stranger(demo)
    for login in ("roditel", "uchenik"):
        with pytest.raises(PermissionDenied):
            service(actor_of(demo, login), stranger)


@pytest.mark.parametrize("name", READERS)
def test_own_children_and_self_are_served(demo, name):
    service = _services(demo)[name]
    parent = actor_of(demo, "roditel")
    for student_id in _own_children(demo):
        service(parent, student_id)
    pupil = actor_of(demo, "uchenik")
    assert pupil.student_id is not None
    service(pupil, pupil.student_id)


@pytest.mark.parametrize("name", READERS)
def test_blocked_account_sees_nothing(demo, name):
    parent = actor_of(demo, "roditel")
    child = _own_children(demo)[0]
    demo.execute(
        update(UserAccount)
        .where(UserAccount.id == parent.user_id)
        .values(status=AccountStatus.BLOCKED)
    )
    with pytest.raises(PermissionDenied):
        _services(demo)[name](parent, child)


def test_an_ended_link_shows_nothing_from_its_end_day(demo):
    parent = actor_of(demo, "roditel")
    first, second = _own_children(demo)
    demo.execute(
        update(GuardianLink)
        .where(GuardianLink.guardian_id == parent.guardian_id, GuardianLink.student_id == first)
        .values(ends_on=ON)
    )
    assert [c.student_id for c in list_children(demo, parent, on=ON)] == [second]
    assert [c.student_id for c in list_children(demo, parent, on=ON - timedelta(days=1))] == [
        first,
        second,
    ]
    with pytest.raises(PermissionDenied):
        record.grades_of_period(demo, parent, student_id=first, period_id=_period_id(demo), on=ON)


def test_weighted_average_is_explained_in_one_line(demo):
    pupil = actor_of(demo, "uchenik")
    assert pupil.student_id is not None
    subjects = record.grades_of_period(
        demo, pupil, student_id=pupil.student_id, period_id=_period_id(demo), on=ON
    )
    graded = next(s for s in subjects if len(s.grades) >= 2)
    total = sum(g.value * g.weight for g in graded.grades)
    weights = sum(g.weight for g in graded.grades)
    assert graded.average == round(total / weights, 2)
    shown = f"{graded.average:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    assert graded.explanation == (
        f"Средний балл {shown} = сумма «оценка × вес» {total:g} / сумма весов {weights:g}"
    ).replace(".", ",")


def test_a_subgroup_student_does_not_get_the_whole_class_lesson_of_that_subject(demo):
    pupil = actor_of(demo, "uchenik")
    assert pupil.student_id is not None
    subgroup = demo.scalars(
        select(StudyGroup)
        .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
        .where(
            GroupMembership.student_id == pupil.student_id,
            StudyGroup.kind == GroupKind.SUBGROUP,
        )
    ).first()
    assert subgroup is not None and subgroup.subject_id is not None
    week = lessons.timetable_week(
        demo, pupil, student_id=pupil.student_id, week_start=WEEK, on=ON
    )
    subject_lessons = demo.scalars(
        select(Lesson.group_id).where(
            Lesson.id.in_([i.lesson_id for i in week]), Lesson.subject_id == subgroup.subject_id
        )
    ).all()
    assert subject_lessons and set(subject_lessons) == {subgroup.id}


def test_week_acknowledgement_records_what_was_shown_and_notices_new_content(demo):
    parent = actor_of(demo, "roditel")
    child = actor_of(demo, "uchenik").student_id
    assert child in _own_children(demo)
    status = week_status(demo, parent, student_id=child, week_start=WEEK, on=ON)
    assert not status.state.acknowledged
    ack = acknowledge_week(
        demo, parent, student_id=child, week_start=WEEK, digest=status.content.digest, on=ON
    )
    assert (ack.guardian_id, ack.user_id, ack.week_start) == (
        parent.guardian_id, parent.user_id, WEEK,
    )
    assert ack.channel.value == "web" and ack.shown == status.content.shown
    again = acknowledge_week(
        demo, parent, student_id=child, week_start=WEEK, digest=status.content.digest, on=ON
    )
    assert again.id == ack.id  # the same content is not signed twice
    lesson = demo.scalars(
        select(Lesson).where(Lesson.id.in_([row[0] for row in status.content.shown["lessons"]]))
    ).first()
    demo.add(
        Grade(lesson_id=lesson.id, student_id=child, value=4, kind=GradeKind.ORAL, weight=1.0,
              created_by="test")
    )
    demo.flush()
    later = week_status(demo, parent, student_id=child, week_start=WEEK, on=ON)
    assert later.state.acknowledged and later.state.changed_since and later.state.new_items == 1
    with pytest.raises(DomainError):
        acknowledge_week(
            demo, parent, student_id=child, week_start=WEEK, digest=status.content.digest, on=ON
        )
    pupil_view = week_status(
        demo, actor_of(demo, "uchenik"), student_id=child, week_start=WEEK, on=ON
    )
    assert pupil_view.state.changed_since  # the student sees the family's signature too
    events = demo.scalars(
        select(FamilyActivity.event).where(FamilyActivity.student_id == child)
    ).all()
    assert events == [FamilyEvent.ACKNOWLEDGE]


def test_only_guardians_acknowledge_and_not_a_future_week(demo):
    pupil = actor_of(demo, "uchenik")
    assert pupil.student_id is not None
    status = week_status(
        demo, pupil, student_id=pupil.student_id, week_start=WEEK, on=ON
    )
    with pytest.raises(PermissionDenied):
        acknowledge_week(
            demo, pupil, student_id=pupil.student_id, week_start=WEEK,
            digest=status.content.digest, on=ON,
        )
    parent = actor_of(demo, "roditel")
    with pytest.raises(DomainError, match="не началась"):
        acknowledge_week(
            demo, parent, student_id=pupil.student_id, week_start=WEEK + timedelta(days=7),
            digest=status.content.digest, on=ON,
        )
    assert demo.scalar(select(Acknowledgement.id).where(Acknowledgement.week_start > WEEK)) is None


def test_items_period_grade_recommendation_and_test_schedule_are_acknowledged_each(demo):
    parent = actor_of(demo, "roditel")
    child = _own_children(demo)[0]
    items = items_to_acknowledge(demo, parent, student_id=child, on=ON)
    kinds = {item.kind for item in items}
    assert kinds == {AckKind.PERIOD_GRADE, AckKind.RECOMMENDATION, AckKind.TEST_SCHEDULE}
    for item in items[:1] + [i for i in items if i.kind is AckKind.TEST_SCHEDULE]:
        acknowledge_item(
            demo, parent, student_id=child, kind=item.kind, item_id=item.item_id,
            digest=item.digest, on=ON,
        )
    states = {
        (i.kind, i.item_id): i.state
        for i in items_to_acknowledge(demo, parent, student_id=child, on=ON)
    }
    assert states[(items[0].kind, items[0].item_id)].acknowledged
    schedule = next(i for i in items if i.kind is AckKind.TEST_SCHEDULE)
    assert states[(schedule.kind, schedule.item_id)].acknowledged
    test_ids = [t[0] for t in schedule.shown["tests"]]
    moved = demo.get(PlannedTest, test_ids[-1])
    assert moved is not None
    moved.planned_on = moved.planned_on - timedelta(days=1)
    demo.flush()
    after = {
        (i.kind, i.item_id): i.state
        for i in items_to_acknowledge(demo, parent, student_id=child, on=ON)
    }
    assert after[(schedule.kind, schedule.item_id)].changed_since


def test_everything_of_the_week_is_signed_at_once_with_a_ledger_row_per_item(demo):
    parent = actor_of(demo, "roditel")
    child = _own_children(demo)[0]
    status = week_status(demo, parent, student_id=child, week_start=WEEK, on=ON)
    items = items_to_acknowledge(demo, parent, student_id=child, on=ON)
    shown = [(i.kind, i.item_id, i.digest) for i in items]
    stale = [(kind, item_id, "0" * 64) if n == len(shown) - 1 else (kind, item_id, digest)
             for n, (kind, item_id, digest) in enumerate(shown)]
    before = demo.scalar(select(func.count()).select_from(Acknowledgement))
    with pytest.raises(DomainError), demo.begin_nested():
        acknowledge_all(
            demo, parent, student_id=child, week_start=WEEK,
            week_digest=status.content.digest, items=stale, on=ON,
        )
    assert demo.scalar(select(func.count()).select_from(Acknowledgement)) == before
    written = acknowledge_all(
        demo, parent, student_id=child, week_start=WEEK, week_digest=status.content.digest,
        items=shown, on=ON,
    )
    assert written == 1 + len(items)
    rows = demo.execute(
        select(Acknowledgement.kind, Acknowledgement.item_id)
        .where(Acknowledgement.student_id == child)
    ).all()
    assert {(kind, item_id) for kind, item_id in rows} == {
        (AckKind.WEEK, None), *((kind, item_id) for kind, item_id, _ in shown)
    }
    assert acknowledge_all(
        demo, parent, student_id=child, week_start=WEEK, week_digest=status.content.digest,
        items=shown, on=ON,
    ) == 0  # what is signed as shown is not signed again
    with pytest.raises(PermissionDenied):
        acknowledge_all(
            demo, actor_of(demo, "uchenik"), student_id=child, week_start=WEEK,
            week_digest=status.content.digest, items=shown, on=ON,
        )


def test_family_screens_are_one_narrow_row_each_and_aggregate_per_class_week(demo):
    parent = actor_of(demo, "roditel")
    children = list_children(demo, parent, on=ON)
    for child in children:
        for section in ("home", "grades", "grades"):
            activity.record_family_event(
                demo, parent, event=FamilyEvent.SCREEN, on=ON, student_id=child.student_id,
                class_id=child.class_id, section=section,
            )
    assert activity.last_viewed_student(demo, parent) == children[-1].student_id
    class_teacher = actor_of(demo, "klassruk")
    own_class = next(
        c
        for c in children
        if demo.scalar(select(SchoolClass.class_teacher_id).where(SchoolClass.id == c.class_id))
        == class_teacher.staff_id
    )
    rows = activity.weekly_family_activity(
        demo, class_teacher, class_id=own_class.class_id, week_start=WEEK
    )
    assert {(r.section, r.events, r.users) for r in rows} == {("home", 1, 1), ("grades", 2, 1)}
    other = next(c for c in children if c is not own_class)
    with pytest.raises(PermissionDenied):
        activity.weekly_family_activity(
            demo, class_teacher, class_id=other.class_id, week_start=WEEK
        )



@pytest.mark.parametrize(
    ("last", "first", "middle", "instead"),
    [
        ("Александров", "Пётр", "Ильич", "вместо Александрова П.И."),
        ("Александрова", "Анна", "Петровна", "вместо Александровой А.П."),
    ],
)
def test_a_substitution_names_the_absent_teacher_in_the_genitive(
    session, last, first, middle, instead
):
    school = build_journal_school(session)
    absent = session.get(Staff, school.teacher_a_staff)
    absent.last_name, absent.first_name, absent.middle_name = last, first, middle
    lesson = session.get(Lesson, school.lessons[0])
    substitute_teacher(
        session, SYSTEM, lesson_id=lesson.id, staff_id=actor_of(session, "ct_b").staff_id
    )
    (item,) = student_lessons(session, school.two.student_a, lesson.lesson_date,
                              lesson.lesson_date)
    assert [c.text for c in item.changes] == [f"Замена: {instead} урок ведёт Ct_B А.И."]
