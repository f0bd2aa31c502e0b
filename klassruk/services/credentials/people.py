"""The people of a class credentials are issued to, their accounts, and who may be selected."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, Role
from klassruk.errors import DomainError
from klassruk.models.accounts import UserAccount
from klassruk.models.school import Guardian, GuardianLink
from klassruk.services.roster.people import class_people as class_roster
from klassruk.services.scope.links import shared_guardian_ids

STAFF_ROLES = frozenset({Role.ADMIN, Role.DEPUTY_HEAD, Role.TEACHER, Role.CLASS_TEACHER})


class PersonKind(enum.StrEnum):
    """Whose credentials: a student's or a guardian's (a staff member's only for a new code)."""

    STUDENT = "student"
    GUARDIAN = "guardian"
    STAFF = "staff"


PERSON_KIND_TITLES: dict[PersonKind, str] = {
    PersonKind.STUDENT: "обучающийся",
    PersonKind.GUARDIAN: "родитель (законный представитель)",
    PersonKind.STAFF: "сотрудник",
}


@dataclass(frozen=True, order=True)
class PersonRef:
    """A student or a guardian, by record id."""

    kind: PersonKind
    id: int


@dataclass
class ClassPerson:
    """A student or a guardian of a class, as the credentials board and the slips name them."""

    ref: PersonRef
    last_name: str
    first_name: str
    full_name: str
    children: list[str] = field(default_factory=list)


def class_people(session: Session, class_id: int, on: date) -> dict[PersonRef, ClassPerson]:
    """Students enrolled in the class on `on`, each followed by their current guardians."""
    roster = class_roster(session, class_id, on)
    people: dict[PersonRef, ClassPerson] = {}
    for student in roster.students.values():
        ref = PersonRef(PersonKind.STUDENT, student.id)
        people[ref] = ClassPerson(ref, student.last_name, student.first_name, student.full_name)
        # A shared guardian stands by the first of their children in the class list.
        for guardian_id in roster.guardians:
            if roster.children[guardian_id][0] != student.id:
                continue
            guardian = roster.guardians[guardian_id]
            people[PersonRef(PersonKind.GUARDIAN, guardian_id)] = ClassPerson(
                PersonRef(PersonKind.GUARDIAN, guardian_id),
                guardian.last_name, guardian.first_name, guardian.full_name,
                [f"{roster.students[s].last_name} {roster.students[s].first_name}"
                 for s in roster.children[guardian_id]],
            )
    return people


def accounts_of(session: Session, refs: Collection[PersonRef]) -> dict[PersonRef, UserAccount]:
    """The accounts of the given students and guardians (people without one are left out)."""
    student_ids = [r.id for r in refs if r.kind is PersonKind.STUDENT]
    guardian_ids = [r.id for r in refs if r.kind is PersonKind.GUARDIAN]
    found: dict[PersonRef, UserAccount] = {}
    if student_ids:
        for user in session.scalars(
            select(UserAccount).where(UserAccount.student_id.in_(student_ids))
        ):
            found[PersonRef(PersonKind.STUDENT, user.student_id or 0)] = user
    if guardian_ids:
        for user in session.scalars(
            select(UserAccount).where(UserAccount.guardian_id.in_(guardian_ids))
        ):
            found[PersonRef(PersonKind.GUARDIAN, user.guardian_id or 0)] = user
    return found


def shared_guardians(
    session: Session, actor: Actor, accounts: dict[PersonRef, UserAccount], on: date
) -> set[PersonRef]:
    """Guardians with an account whose credentials this actor may not reset (see scope.py)."""
    guardian_ids = [ref.id for ref in accounts if ref.kind is PersonKind.GUARDIAN]
    return {
        PersonRef(PersonKind.GUARDIAN, guardian_id)
        for guardian_id in shared_guardian_ids(
            session, actor, guardian_ids, Action.ISSUE_CREDENTIALS, on=on
        )
    }


def check_selection(
    session: Session,
    actor: Actor,
    members: dict[PersonRef, ClassPerson],
    chosen: Collection[PersonRef],
    class_name: str,
) -> None:
    """Refuse a choice of anyone who is not a member of the class (a clear reason for the admin)."""
    for ref in chosen:
        if ref in members:
            continue
        # Only the admin learns why: a class teacher must not learn who exists outside the class.
        if ref.kind is PersonKind.GUARDIAN and actor.is_school_wide_for(Action.ISSUE_CREDENTIALS):
            guardian = session.get(Guardian, ref.id)
            if guardian is not None and not session.scalar(
                select(GuardianLink.id).where(GuardianLink.guardian_id == ref.id).limit(1)
            ):
                raise DomainError(
                    f"У представителя «{guardian.full_name}» нет ни одного связанного "
                    "обучающегося: реквизиты не выдаются. Сначала укажите его детей."
                )
        raise DomainError(
            f"Выбранный человек не относится к классу {class_name}: ничего не изменено."
        )
