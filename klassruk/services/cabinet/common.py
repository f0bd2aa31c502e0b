"""Who the cabinet is about, and which lessons and tests a student sits in."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from klassruk.models import GroupKind, GroupMembership, StudyGroup, TeachingAssignment
from klassruk.permissions import Actor
from klassruk.services.overview import ChildRow, students_with_class
from klassruk.services.scope import family_students_query


def list_children(session: Session, actor: Actor, *, on: date) -> list[ChildRow]:
    """The children a guardian may open on `on` (links in force), or the student themself."""
    return students_with_class(session, family_students_query(actor, on=on), on)


def attends(
    student_id: int,
    group_col: Any,
    subject_col: Any,
    on_col: Any,
) -> ColumnElement[bool]:
    """SQL: the student sits in the group's lesson of that subject on that date.

    A whole-class lesson does not count for a student taught the subject in a subgroup, stream
    or individual plan (as the journal's roster decides).
    """
    member = aliased(GroupMembership)
    other = aliased(GroupMembership)
    other_group = aliased(StudyGroup)
    own_group = aliased(StudyGroup)

    def active(row: Any) -> ColumnElement[bool]:
        return and_(row.starts_on <= on_col, or_(row.ends_on.is_(None), row.ends_on >= on_col))

    in_group = exists().where(
        member.group_id == group_col, member.student_id == student_id, active(member)
    )
    whole_class = exists().where(own_group.id == group_col, own_group.kind == GroupKind.WHOLE_CLASS)
    taught_elsewhere = exists().where(
        other.student_id == student_id,
        other.group_id == other_group.id,
        other_group.id != group_col,
        other_group.kind != GroupKind.WHOLE_CLASS,
        or_(
            other_group.subject_id == subject_col,
            # Correlate explicitly: nested twice, the outer lesson is not found automatically.
            exists()
            .where(
                TeachingAssignment.group_id == other_group.id,
                TeachingAssignment.subject_id == subject_col,
            )
            .correlate_except(TeachingAssignment),
        ),
        active(other),
    )
    return and_(in_group, or_(~whole_class, ~taught_elsewhere))


def student_group_ids(student_id: int) -> Select[int]:
    """Every group the student was ever in: narrows lesson scans to the group index."""
    return select(GroupMembership.group_id).where(GroupMembership.student_id == student_id)
