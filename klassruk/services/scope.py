"""Scope rules: which classes, groups and students an actor may reach with an action."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.errors import PermissionDenied
from klassruk.models import (
    Enrolment,
    GroupMembership,
    GuardianLink,
    SchoolClass,
    StudyGroup,
    TeachingAssignment,
)
from klassruk.permissions import Action, Actor, Role, require

OUT_OF_SCOPE = "Эти данные вне вашей зоны ответственности."


def active_on(
    starts_col: ColumnElement[date] | InstrumentedAttribute[date],
    ends_col: ColumnElement[date | None] | InstrumentedAttribute[date | None],
    on: date,
) -> ColumnElement[bool]:
    """SQL condition: a date range [starts, ends] (open end allowed) contains `on`."""
    return and_(starts_col <= on, or_(ends_col.is_(None), ends_col >= on))


def own_class_ids_query(actor: Actor) -> Select[int]:
    """Ids of the classes the actor is class teacher of."""
    return select(SchoolClass.id).where(SchoolClass.class_teacher_id == actor.staff_id)


def require_class_scope(session: Session, actor: Actor, class_id: int, action: Action) -> None:
    """Refuse unless the actor may do `action` on this class (school-wide roles, or own class)."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if (
        Role.CLASS_TEACHER in actor.roles
        and actor.staff_id is not None
        and session.scalar(
            select(SchoolClass.id).where(
                SchoolClass.id == class_id, SchoolClass.class_teacher_id == actor.staff_id
            )
        )
        is not None
    ):
        return
    raise PermissionDenied(OUT_OF_SCOPE)


def require_group_scope(session: Session, actor: Actor, group_id: int, action: Action) -> None:
    """Refuse unless the actor teaches this group (or holds `action` school-wide)."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if actor.staff_id is not None and session.scalar(
        select(TeachingAssignment.id).where(
            TeachingAssignment.group_id == group_id,
            TeachingAssignment.staff_id == actor.staff_id,
        )
    ):
        return
    raise PermissionDenied(OUT_OF_SCOPE)


def require_student_scope(
    session: Session, actor: Actor, student_id: int, action: Action, *, on: date
) -> None:
    """Refuse unless the student is the actor, their child, or in their class or groups."""
    require(actor, action)
    if actor.is_school_wide_for(action):
        return
    if actor.student_id == student_id:
        return
    if actor.guardian_id is not None and session.scalar(
        select(GuardianLink.id).where(
            GuardianLink.guardian_id == actor.guardian_id, GuardianLink.student_id == student_id
        )
    ):
        return
    if Role.CLASS_TEACHER in actor.roles and actor.staff_id is not None:
        in_own_class = session.scalar(
            select(Enrolment.id).where(
                Enrolment.student_id == student_id,
                Enrolment.class_id.in_(own_class_ids_query(actor)),
                active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            )
        )
        if in_own_class:
            return
    if Role.TEACHER in actor.roles and actor.staff_id is not None:
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
    raise PermissionDenied(OUT_OF_SCOPE)


def group_class_id(session: Session, group_id: int) -> int | None:
    """The class a group belongs to (None for cross-class streams)."""
    return session.scalar(select(StudyGroup.class_id).where(StudyGroup.id == group_id))
