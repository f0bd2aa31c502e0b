"""Scope over classes and groups: which ones an actor holds, and who is enrolled in them."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from klassruk.access.permissions import Action, Actor, Role, require
from klassruk.errors import PermissionDenied
from klassruk.models.school import Enrolment, SchoolClass, StudyGroup, TeachingAssignment
from klassruk.services.calendar import in_current_year

OUT_OF_SCOPE = "Эти данные вне вашей зоны ответственности."


def active_on(
    starts_col: ColumnElement[date] | InstrumentedAttribute[date],
    ends_col: ColumnElement[date | None] | InstrumentedAttribute[date | None],
    on: date | ColumnElement[date],
) -> ColumnElement[bool]:
    """SQL condition: a date range [starts, ends] (open end allowed) contains `on`."""
    return and_(starts_col <= on, or_(ends_col.is_(None), ends_col >= on))


def own_class_ids_query(actor: Actor) -> Select[int]:
    """Ids of the classes the actor is class teacher of (none without the role or a staff link)."""
    if Role.CLASS_TEACHER not in actor.roles or actor.staff_id is None:
        # `class_teacher_id == None` would match every class that has no class teacher.
        return select(SchoolClass.id).where(false())
    return select(SchoolClass.id).where(SchoolClass.class_teacher_id == actor.staff_id)


class ClassChoice(NamedTuple):
    """A class the actor may work with, for a picker."""

    class_id: int
    name: str


def classes_in_scope(
    session: Session, actor: Actor, *, action: Action, year_id: int | None = None
) -> list[ClassChoice]:
    """Classes of the current year (or of `year_id`) the actor may do `action` on.

    School-wide roles get all of them, a class teacher the own classes.

    Every class picker uses this. An actor without the action is refused; an empty list means
    the actor holds it but has no class to pick (a class teacher with no class assigned yet,
    or a school without classes this year), and the picker says so.
    """
    require(actor, action)
    in_year = (
        in_current_year(SchoolClass.school_year_id)
        if year_id is None
        else SchoolClass.school_year_id == year_id
    )
    query = (
        select(SchoolClass.id, SchoolClass.grade, SchoolClass.letter)
        .where(in_year)
        .order_by(SchoolClass.grade, SchoolClass.letter)
    )
    if not actor.is_school_wide_for(action):
        query = query.where(SchoolClass.id.in_(own_class_ids_query(actor)))
    return [ClassChoice(row[0], f"{row[1]}{row[2]}") for row in session.execute(query)]


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


def group_class_id(session: Session, group_id: int) -> int | None:
    """The class a group belongs to (None for cross-class streams)."""
    return session.scalar(select(StudyGroup.class_id).where(StudyGroup.id == group_id))


def current_students_query(class_ids: Select[int], on: date) -> Select[int]:
    """Ids of the students enrolled on `on` in any of the classes."""
    return select(Enrolment.student_id).where(
        Enrolment.class_id.in_(class_ids), active_on(Enrolment.starts_on, Enrolment.ends_on, on)
    )
