"""Scope through guardian links: the families of a class and guardians shared with others."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Select,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, Role
from klassruk.errors import PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.school import GuardianLink, SchoolClass
from klassruk.services.scope.classes import (
    OUT_OF_SCOPE,
    current_students_query,
    own_class_ids_query,
    require_class_scope,
)

SHARED_GUARDIAN = (
    "У представителя «{name}» есть дети и в других классах: заново выдать ему реквизиты, "
    "заблокировать его или изменить его контакты может только администратор."
)


def link_current_on(on: date | ColumnElement[date]) -> ColumnElement[bool]:
    """SQL condition: the guardian link is in force on `on` (its end day excluded)."""
    return or_(GuardianLink.ends_on.is_(None), GuardianLink.ends_on > on)


def guardians_in_scope_query(actor: Actor, on: date) -> Select[int]:
    """Guardians a class teacher reaches: of their classes' current students, by a current link."""
    return select(GuardianLink.guardian_id).where(
        GuardianLink.student_id.in_(current_students_query(own_class_ids_query(actor), on)),
        link_current_on(on),
    )


def family_accounts_in_scope(actor: Actor, on: date) -> ColumnElement[bool]:
    """SQL condition on accounts: a current pupil of the actor's classes, or their guardian."""
    if Role.CLASS_TEACHER not in actor.roles:
        return false()
    return or_(
        UserAccount.student_id.in_(current_students_query(own_class_ids_query(actor), on)),
        UserAccount.guardian_id.in_(guardians_in_scope_query(actor, on)),
    )


def families_of_class_query(class_id: int, on: date) -> Select[int, int]:
    """(guardian, student) pairs of a class on `on`: a pupil enrolled then, a link in force."""
    this_class = select(SchoolClass.id).where(SchoolClass.id == class_id)
    return select(GuardianLink.guardian_id, GuardianLink.student_id).where(
        GuardianLink.student_id.in_(current_students_query(this_class, on)),
        link_current_on(on),
    )


def require_family_of_class(
    session: Session, actor: Actor, *, class_id: int, guardian_id: int, student_id: int,
    on: date, action: Action,
) -> None:
    """Refuse unless the guardian is the child's current guardian and the child is in the class.

    History about a family (extracts, paper acknowledgements) is reached only this way: through
    a link in force today to a pupil of the class today. The refusal is the same whether the
    family exists elsewhere or not at all.
    """
    require_class_scope(session, actor, class_id, action)
    pairs = families_of_class_query(class_id, on).subquery()
    found = session.scalar(
        select(pairs.c.guardian_id).where(
            pairs.c.guardian_id == guardian_id, pairs.c.student_id == student_id
        ).limit(1)
    )
    if found is None:
        raise PermissionDenied(OUT_OF_SCOPE)


def shared_guardian_ids(
    session: Session, actor: Actor, guardian_ids: Collection[int], action: Action, *, on: date
) -> set[int]:
    """Of these guardians, those with a child outside the actor's classes (none school-wide).

    Such a guardian belongs to another class teacher too: re-issuing their code, blocking them
    or changing their contacts would act on a family outside the actor's scope, so it needs a
    school-wide actor (the admin). A first code for a guardian without an account is allowed:
    nobody's access is replaced.
    """
    if actor.is_school_wide_for(action) or not guardian_ids:
        return set()
    own_students = current_students_query(own_class_ids_query(actor), on)
    return set(
        session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.guardian_id.in_(list(guardian_ids)),
                GuardianLink.student_id.not_in(own_students),
                link_current_on(on),
            )
        )
    )
