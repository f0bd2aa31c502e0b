"""Scope over one student: self, own child through the guardian's gate, own class or group."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    ScalarSelect,
    Select,
    bindparam,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from klassruk.access.permissions import ROLE_ACTIONS, Action, Actor, Role, require
from klassruk.errors import PermissionDenied
from klassruk.infra.db import read_only_cache
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.consent import ConsentEntry, ConsentState, ConsentSubject
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    GuardianLink,
    Student,
    TeachingAssignment,
)
from klassruk.services.delivery import decide, refuse_paper_route, require_electronic_access
from klassruk.services.scope.classes import OUT_OF_SCOPE, active_on, own_class_ids_query
from klassruk.services.scope.links import link_current_on


def _grants(role: Role, actor: Actor, action: Action) -> bool:
    """The actor holds `role` and that role itself grants `action` (not another of its roles)."""
    return role in actor.roles and action in ROLE_ACTIONS[role]


def require_student_scope(
    session: Session, actor: Actor, student_id: int, action: Action, *, on: date
) -> None:
    """Refuse unless the student is the actor, their child, or in their class or groups."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if actor.student_id == student_id and _grants(Role.STUDENT, actor, action):
        return
    # A guardian reaches a child as the cabinet does: link in force, account usable, and an
    # electronic route (a paper-only family gets paper, not data through another screen).
    refused: PermissionDenied | None = None
    if actor.guardian_id is not None and _grants(Role.GUARDIAN, actor, action):
        try:
            _require_guardian_gate(session, actor, student_id, on=on)
            return
        except PermissionDenied as error:
            refused = error
    if _grants(Role.CLASS_TEACHER, actor, action) and actor.staff_id is not None:
        in_own_class = session.scalar(
            select(Enrolment.id).where(
                Enrolment.student_id == student_id,
                Enrolment.class_id.in_(own_class_ids_query(actor)),
                active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            )
        )
        if in_own_class:
            return
    if _grants(Role.TEACHER, actor, action) and actor.staff_id is not None:
        in_own_group = session.scalar(
            select(GroupMembership.id)
            .join(TeachingAssignment, TeachingAssignment.group_id == GroupMembership.group_id)
            .where(
                GroupMembership.student_id == student_id,
                TeachingAssignment.staff_id == actor.staff_id,
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        )
        if in_own_group:
            return
    raise refused or PermissionDenied(OUT_OF_SCOPE)


FamilyStudents = tuple[Select[int], dict[str, object]]


def family_students_query(actor: Actor, *, on: date) -> FamilyStudents:
    """Ids of the students whose cabinet the actor opens on `on`: own children, or self.

    A statement built once with its parameters: every cabinet screen asks it first.
    """
    if actor.guardian_id is not None and actor.can(Action.VIEW_CABINET):
        return _family_ids("guardian"), {"guardian_id": actor.guardian_id, "on": on}
    if actor.student_id is not None and actor.can(Action.VIEW_CABINET):
        return _family_ids("student"), {"student_id": actor.student_id}
    return _family_ids("nobody"), {}


@cache
def _family_ids(whose: str) -> Select[int]:
    if whose == "guardian":
        return select(GuardianLink.student_id).where(
            GuardianLink.guardian_id == bindparam("guardian_id"),
            link_current_on(bindparam("on", type_=Date)),
        )
    if whose == "student":
        return select(Student.id).where(Student.id == bindparam("student_id"))
    return select(Student.id).where(false())


def require_family_scope(session: Session, actor: Actor, student_id: int, *, on: date) -> None:
    """Refuse unless the actor's account is usable and the student is their child or themself.

    A guardian whose link ended sees nothing from its end day on; a blocked account nothing.
    """
    require(actor, Action.VIEW_CABINET)
    # A page's picker and its services ask in one read-only unit: check once per unit.
    checked = read_only_cache(session, "family_scope")
    key = (actor.user_id, student_id, on)
    if key in checked:
        return
    if actor.guardian_id is not None and actor.student_id != student_id:
        _require_guardian_gate(session, actor, student_id, on=on)
        checked[key] = True
        return
    family, parameters = family_students_query(actor, on=on)
    reachable = family.subquery()
    allowed = (
        select(UserAccount.id)
        .where(
            UserAccount.id == actor.user_id,
            UserAccount.status != AccountStatus.BLOCKED,
            select(reachable.c[0]).where(reachable.c[0] == student_id).exists(),
        )
        .limit(1)
    )
    if actor.user_id is None or session.scalar(allowed, parameters) is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    # Without consent to personal-data processing the family gets paper, not the cabinet.
    require_electronic_access(session, actor, student_id=student_id, on=on)
    checked[key] = True


@cache
def _guardian_gate() -> Select[AccountStatus, ConsentState, ConsentState, bool]:
    """The account's status, the link in force and both current consents, in one statement.

    Built once: it runs before every cabinet screen of a guardian at the evening peak, and a
    reused statement skips SQLAlchemy's construction and cache-key work.
    """
    guardian_id: BindParameter[int] = bindparam("guardian_id")
    student_id: BindParameter[int] = bindparam("student_id")
    on = bindparam("on", type_=Date)

    def newest(subject: ConsentSubject, student: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(ConsentEntry.id)
            .where(ConsentEntry.guardian_id == guardian_id, ConsentEntry.subject == subject,
                   student)
            .order_by(ConsentEntry.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    own, child = aliased(ConsentEntry), aliased(ConsentEntry)
    linked = select(GuardianLink.id).where(
        GuardianLink.guardian_id == guardian_id,
        GuardianLink.student_id == student_id,
        or_(GuardianLink.ends_on.is_(None), GuardianLink.ends_on > on),
    )
    return (
        select(UserAccount.status, own.state, child.state, child.prefers_paper)
        .select_from(UserAccount)
        .outerjoin(own, own.id == newest(ConsentSubject.GUARDIAN_SELF,
                                         ConsentEntry.student_id.is_(None)))
        .outerjoin(child, child.id == newest(ConsentSubject.CHILD,
                                             ConsentEntry.student_id == student_id))
        .where(UserAccount.id == bindparam("user_id"), UserAccount.guardian_id == guardian_id,
               linked.exists())
    )


def _require_guardian_gate(session: Session, actor: Actor, student_id: int, *, on: date) -> None:
    """A guardian's own child (link in force), account not blocked, consent for electronic."""
    row = session.execute(
        _guardian_gate(),
        {"user_id": actor.user_id, "guardian_id": actor.guardian_id, "student_id": student_id,
         "on": on},
    ).one_or_none()
    if row is None or row[0] is AccountStatus.BLOCKED:
        raise PermissionDenied(OUT_OF_SCOPE)
    status, own, child, prefers_paper = row
    refuse_paper_route(decide(
        own=own or ConsentState.NOT_ASKED,
        child=child or ConsentState.NOT_ASKED,
        prefers_paper=bool(prefers_paper),
        account=status,
    ))


def require_student_reader(session: Session, actor: Actor, *, student_id: int, on: date) -> None:
    """Refuse unless the student is in the actor's class, is their child, or is themself."""
    held = [a for a in (Action.VIEW_CLASS, Action.VIEW_CHILD, Action.VIEW_SELF) if actor.can(a)]
    if not held:
        require(actor, Action.VIEW_SELF)
    for action in held:
        try:
            require_student_scope(session, actor, student_id, action, on=on)
        except PermissionDenied:
            continue
        return
    raise PermissionDenied(OUT_OF_SCOPE)
