"""Moving a student between the subgroups of a split; memberships keep their history."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.school import GroupKind, GroupMembership, Student, StudyGroup
from klassruk.services.groups.queries import (
    enrolled_students,
    locked_class,
    subgroup_or_404,
)
from klassruk.services.scope.classes import active_on, require_class_scope


def _day_before(on: date) -> date:
    return on - timedelta(days=1)


def end_membership(session: Session, membership: GroupMembership, on: date) -> None:
    """Close a membership so that it no longer covers `on`; drop it if it had not begun."""
    if membership.starts_on >= on:
        session.delete(membership)
    else:
        membership.ends_on = _day_before(on)


def active_split_membership(
    session: Session, student_id: int, class_id: int, subject_id: int, on: date
) -> GroupMembership | None:
    return session.scalar(
        select(GroupMembership)
        .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id == student_id,
            StudyGroup.class_id == class_id,
            StudyGroup.subject_id == subject_id,
            StudyGroup.kind == GroupKind.SUBGROUP,
            active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
        )
    )


def require_enrolled(session: Session, student_id: int, class_id: int, on: date) -> Student:
    student = session.get(Student, student_id)
    if student is None or student_id not in {
        s.student_id for s in enrolled_students(session, class_id, on)
    }:
        raise DomainError("Обучающийся не учится в этом классе на выбранную дату.")
    return student


def _placement(
    session: Session, actor: Actor, student_id: int, group_id: int, on: date
) -> tuple[StudyGroup, Student, GroupMembership | None]:
    """The target subgroup, the student, and their current group of that split (checked)."""
    target = subgroup_or_404(session, group_id)
    assert target.class_id is not None and target.subject_id is not None
    require_class_scope(session, actor, target.class_id, Action.MANAGE_STUDY_GROUPS)
    locked_class(session, target.class_id)
    student = require_enrolled(session, student_id, target.class_id, on)
    current = active_split_membership(session, student_id, target.class_id, target.subject_id, on)
    return target, student, current


def move_student(
    session: Session, actor: Actor, *, student_id: int, to_group_id: int, on: date
) -> GroupMembership:
    """Move a student to another group of the same split from `on`; the old row keeps history."""
    target, student, current = _placement(session, actor, student_id, to_group_id, on)
    if current is None:
        raise DomainError(
            f"{student.full_name} ещё не в группе по этому предмету: используйте «Распределить»."
        )
    if current.group_id == target.id:
        raise DomainError(f"{student.full_name} уже в группе «{target.name}».")
    # Rows starting after `on` would overlap the new one.
    later = session.scalar(
        select(GroupMembership.id)
        .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.student_id == student_id,
            StudyGroup.class_id == target.class_id,
            StudyGroup.subject_id == target.subject_id,
            GroupMembership.starts_on > on,
        )
    )
    if later is not None:
        raise DomainError("После этой даты уже есть перевод: выберите более позднюю дату.")
    ends_on = current.ends_on
    end_membership(session, current, on)
    membership = GroupMembership(
        group_id=target.id, student_id=student_id, starts_on=on, ends_on=ends_on
    )
    session.add(membership)
    session.flush()
    return membership


def place_student(
    session: Session, actor: Actor, *, student_id: int, group_id: int, on: date
) -> GroupMembership:
    """Put a student who is not in any group of the split (e.g. a newcomer) into a group."""
    target, student, current = _placement(session, actor, student_id, group_id, on)
    if current is not None:
        raise DomainError(
            f"{student.full_name} уже в группе по этому предмету: используйте перевод."
        )
    membership = GroupMembership(group_id=target.id, student_id=student_id, starts_on=on)
    session.add(membership)
    session.flush()
    return membership
