"""The one roster read: a class's current students with their current guardians and accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from klassruk.models.accounts import UserAccount
from klassruk.models.school import Enrolment, Guardian, GuardianLink, Student
from klassruk.services.scope.links import link_current_on


def enrolled_query(class_id: int, starts_on: date, ends_on: date) -> Select[int]:
    """Ids of the students enrolled in the class on any day from `starts_on` to `ends_on`."""
    return select(Enrolment.student_id).where(
        Enrolment.class_id == class_id,
        Enrolment.starts_on <= ends_on,
        or_(Enrolment.ends_on.is_(None), Enrolment.ends_on >= starts_on),
    )


def class_students(
    session: Session, class_id: int, starts_on: date, ends_on: date
) -> dict[int, Student]:
    """The students enrolled in the class at some day of the span, in roster order."""
    return {
        s.id: s
        for s in session.scalars(
            select(Student)
            .where(Student.id.in_(enrolled_query(class_id, starts_on, ends_on)))
            .order_by(Student.last_name, Student.first_name, Student.id)
        )
    }


@dataclass(frozen=True)
class ClassPeople:
    """A class's current students, their current guardians and the accounts of both."""

    students: dict[int, Student]
    guardians: dict[int, Guardian]
    children: dict[int, list[int]]  # guardian id → own children in the class, roster order
    student_accounts: dict[int, UserAccount]  # student id → account (people without one absent)
    guardian_accounts: dict[int, UserAccount]  # guardian id → account


def class_people(session: Session, class_id: int, on: date) -> ClassPeople:
    """Students enrolled on `on` (roster order), their guardians that day, and their accounts.

    A link counts no more from its end day (`scope.links.link_current_on`). The one roster
    read of a class: consent, credentials, extracts, the class journal and the demo use it.
    Callers check the actor's scope over the class first.
    """
    students = class_students(session, class_id, on, on)
    guardians: dict[int, Guardian] = {}
    children: dict[int, list[int]] = {}
    for guardian, student_id in session.execute(
        select(Guardian, GuardianLink.student_id)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .where(GuardianLink.student_id.in_(list(students)), link_current_on(on))
        .order_by(Guardian.last_name, Guardian.first_name, Guardian.id)
    ):
        guardians[guardian.id] = guardian
        children.setdefault(guardian.id, []).append(student_id)
    order = {student_id: index for index, student_id in enumerate(students)}
    for kids in children.values():
        kids.sort(key=order.__getitem__)
    student_accounts: dict[int, UserAccount] = {}
    guardian_accounts: dict[int, UserAccount] = {}
    if students:
        for user in session.scalars(
            select(UserAccount).where(
                or_(
                    UserAccount.student_id.in_(list(students)),
                    UserAccount.guardian_id.in_(list(guardians)),
                )
            )
        ):
            if user.student_id is not None:
                student_accounts[user.student_id] = user
            if user.guardian_id is not None:
                guardian_accounts[user.guardian_id] = user
    return ClassPeople(students, guardians, children, student_accounts, guardian_accounts)
