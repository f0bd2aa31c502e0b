"""What each role's home page shows: counts and lists computed in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, bindparam, case, distinct, func, select
from sqlalchemy.orm import Session, aliased

from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.models.accounts import AccountStatus, UserAccount, UserRole
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    Guardian,
    GuardianLink,
    SchoolClass,
    Staff,
    Student,
    StudyGroup,
    Subject,
    TeachingAssignment,
    full_name,
)
from klassruk.services.calendar import find_current_year
from klassruk.services.scope.classes import active_on, own_class_ids_query, require_class_scope
from klassruk.services.scope.links import link_current_on


@dataclass(frozen=True)
class SchoolCounts:
    """The size of the school, for the admin and the deputy head."""

    school_year: str
    classes: int
    students: int
    guardians: int
    staff: int
    subjects: int
    study_groups: int
    accounts_by_role: dict[Role, int]
    accounts_by_status: dict[AccountStatus, int]


def _count(session: Session, query: Select[Any]) -> int:
    return int(session.scalar(query) or 0)


def school_counts(session: Session, actor: Actor, *, on: date) -> SchoolCounts:
    """Counts of the current year's structure and of accounts."""
    require(actor, Action.VIEW_SCHOOL)
    year = find_current_year(session)
    year_id = year.id if year else -1
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    return SchoolCounts(
        school_year=year.name if year else "—",
        classes=_count(
            session,
            select(func.count(SchoolClass.id)).where(SchoolClass.school_year_id == year_id),
        ),
        students=_count(
            session,
            select(func.count(distinct(Enrolment.student_id)))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(SchoolClass.school_year_id == year_id, enrolled),
        ),
        guardians=_count(session, select(func.count(Guardian.id))),
        staff=_count(session, select(func.count(Staff.id))),
        subjects=_count(session, select(func.count(Subject.id))),
        study_groups=_count(
            session,
            select(func.count(StudyGroup.id)).where(StudyGroup.school_year_id == year_id),
        ),
        accounts_by_role={
            role: count
            for role, count in session.execute(
                select(UserRole.role, func.count()).group_by(UserRole.role)
            )
        },
        accounts_by_status={
            status: count
            for status, count in session.execute(
                select(UserAccount.status, func.count()).group_by(UserAccount.status)
            )
        },
    )


@dataclass(frozen=True)
class ClassSummary:
    """A class with the counts its class teacher watches."""

    class_id: int
    name: str
    class_teacher: str
    students: int
    guardians: int
    students_with_account: int
    guardians_with_account: int
    # Accounts their owners activated (first login by code, own password): who really reads.
    students_activated: int
    guardians_activated: int


def _if_active(account: Any) -> Any:
    """The account's id when its owner activated it (and it is not blocked), else NULL."""
    return case((account.status == AccountStatus.ACTIVE, account.id))


def class_summaries(
    session: Session, actor: Actor, *, on: date, class_id: int | None = None
) -> list[ClassSummary]:
    """The actor's classes (all for school-wide roles; only `class_id` if given) with counts."""
    require(actor, Action.VIEW_CLASS)
    if class_id is not None:
        require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    year = find_current_year(session)
    if year is None:
        return []
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    student_account = aliased(UserAccount)
    guardian_account = aliased(UserAccount)
    query = (
        select(
            SchoolClass.id,
            SchoolClass.grade,
            SchoolClass.letter,
            Staff.last_name,
            Staff.first_name,
            Staff.middle_name,
            func.count(distinct(Enrolment.student_id)),
            func.count(distinct(GuardianLink.guardian_id)),
            func.count(distinct(student_account.id)),
            func.count(distinct(guardian_account.id)),
            func.count(distinct(_if_active(student_account))),
            func.count(distinct(_if_active(guardian_account))),
        )
        .outerjoin(Staff, Staff.id == SchoolClass.class_teacher_id)
        .outerjoin(Enrolment, (Enrolment.class_id == SchoolClass.id) & enrolled)
        .outerjoin(
            GuardianLink,
            (GuardianLink.student_id == Enrolment.student_id) & link_current_on(on),
        )
        .outerjoin(student_account, student_account.student_id == Enrolment.student_id)
        .outerjoin(guardian_account, guardian_account.guardian_id == GuardianLink.guardian_id)
        .where(SchoolClass.school_year_id == year.id)
        .group_by(SchoolClass.id, Staff.id)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    )
    if not actor.is_school_wide_for(Action.VIEW_CLASS):
        query = query.where(SchoolClass.id.in_(own_class_ids_query(actor)))
    if class_id is not None:
        query = query.where(SchoolClass.id == class_id)
    return [
        ClassSummary(
            class_id=row[0],
            name=f"{row[1]}{row[2]}",
            class_teacher=" ".join(p for p in row[3:6] if p) or "не назначен",
            students=row[6],
            guardians=row[7],
            students_with_account=row[8],
            guardians_with_account=row[9],
            students_activated=row[10],
            guardians_activated=row[11],
        )
        for row in session.execute(query)
    ]


@dataclass(frozen=True)
class RosterRow:
    """A student of a class with the guardians and whether each has an account."""

    student_id: int
    student: str
    birth_date: date | None
    student_account: AccountStatus | None
    guardians: str


def class_roster(session: Session, actor: Actor, *, class_id: int, on: date) -> list[RosterRow]:
    """The class list with guardians, for the class teacher of that class."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    students = session.execute(
        select(Student, UserAccount.status)
        .join(Enrolment, Enrolment.student_id == Student.id)
        .outerjoin(UserAccount, UserAccount.student_id == Student.id)
        .where(Enrolment.class_id == class_id, enrolled)
        .order_by(Student.last_name, Student.first_name)
    ).all()
    student_ids = [student.id for student, _ in students]
    guardians_of: dict[int, list[str]] = {}
    for link, guardian in session.execute(
        select(GuardianLink, Guardian)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(GuardianLink.student_id.in_(student_ids), link_current_on(on))
        .order_by(Guardian.last_name)
    ):
        guardians_of.setdefault(link.student_id, []).append(guardian.full_name)
    return [
        RosterRow(
            student_id=student.id,
            student=student.full_name,
            birth_date=student.birth_date,
            student_account=status,
            guardians="; ".join(guardians_of.get(student.id, [])) or "—",
        )
        for student, status in students
    ]


@dataclass(frozen=True)
class LoadRow:
    """One line of a teacher's load."""

    subject: str
    group: str
    hours_per_week: float
    students: int


def own_teaching_load(session: Session, actor: Actor, *, on: date) -> list[LoadRow]:
    """The subjects and groups the actor teaches, with group sizes."""
    require(actor, Action.VIEW_OWN_GROUPS)
    if actor.staff_id is None:
        return []
    members = active_on(GroupMembership.starts_on, GroupMembership.ends_on, on)
    query = (
        select(
            Subject.name,
            StudyGroup.name,
            TeachingAssignment.hours_per_week,
            func.count(distinct(GroupMembership.student_id)),
        )
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .join(StudyGroup, StudyGroup.id == TeachingAssignment.group_id)
        .outerjoin(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .outerjoin(GroupMembership, (GroupMembership.group_id == StudyGroup.id) & members)
        .where(TeachingAssignment.staff_id == actor.staff_id)
        .group_by(
            SchoolClass.grade,
            SchoolClass.letter,
            Subject.name,
            StudyGroup.name,
            TeachingAssignment.hours_per_week,
        )
        # By grade, not by name: «10А» sorted before «7А» as text.
        .order_by(SchoolClass.grade.nulls_last(), SchoolClass.letter, StudyGroup.name, Subject.name)
    )
    return [LoadRow(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class ChildRow:
    """A student as their family or they themselves see them."""

    student_id: int
    name: str
    class_name: str
    class_teacher: str
    class_id: int | None = None


def students_with_class(
    session: Session, student_ids_query: Select[int], parameters: dict[str, object], on: date
) -> list[ChildRow]:
    """The students of the id query with their class on `on` (no scope check: callers do it)."""
    rows = session.execute(_with_class(student_ids_query), {**parameters, "class_on": on})
    return [
        ChildRow(
            student_id=student_id,
            name=full_name(last, first, middle),
            class_name=f"{grade}{letter}" if class_id else "—",
            class_teacher=full_name(*teacher) if teacher[0] else "—",
            class_id=class_id,
        )
        for student_id, last, first, middle, class_id, grade, letter, *teacher in rows
    ]


@cache
def _with_class(student_ids_query: Select[int]) -> Select[*tuple[Any, ...]]:
    # Columns, not entities, built once per (prebuilt) id query: the cabinet asks before every
    # screen, and a reused statement skips SQLAlchemy's construction and cache-key work.
    enrolled = active_on(Enrolment.starts_on, Enrolment.ends_on, bindparam("class_on", type_=Date))
    return (
        select(
            Student.id,
            Student.last_name,
            Student.first_name,
            Student.middle_name,
            SchoolClass.id,
            SchoolClass.grade,
            SchoolClass.letter,
            Staff.last_name,
            Staff.first_name,
            Staff.middle_name,
        )
        .outerjoin(Enrolment, (Enrolment.student_id == Student.id) & enrolled)
        .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .outerjoin(Staff, Staff.id == SchoolClass.class_teacher_id)
        .where(Student.id.in_(student_ids_query))
        .order_by(Student.last_name, Student.first_name)
    )
