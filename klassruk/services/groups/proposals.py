"""Proposing how to split a class for a subject: alphabetical, balanced, as last year."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.school import GroupKind, GroupMembership, SchoolClass, SchoolYear, StudyGroup
from klassruk.services.groups.queries import (
    StudentRef,
    class_or_404,
    enrolled_students,
    exempt_students,
    subject_or_404,
)
from klassruk.services.scope.classes import require_class_scope


class SplitMethod(enum.StrEnum):
    """How the wizard proposes the groups."""

    ALPHABETICAL = "alphabetical"
    BALANCED = "balanced"
    LAST_YEAR = "last_year"
    MANUAL = "manual"


SPLIT_METHOD_TITLES = {
    SplitMethod.ALPHABETICAL: "по алфавиту (первая половина списка, вторая половина)",
    SplitMethod.BALANCED: "поровну, через одного по списку",
    SplitMethod.LAST_YEAR: "как в прошлом учебном году",
    SplitMethod.MANUAL: "вручную",
}


@dataclass(frozen=True)
class GroupPlan:
    """One group of a split as the class teacher wants it."""

    name: str
    teacher_id: int | None
    student_ids: list[int]


@dataclass(frozen=True)
class SplitPlan:
    """A subject split into groups; hours default to the subject's whole-class load."""

    subject_id: int
    groups: list[GroupPlan]
    hours_per_week: float | None = None


@dataclass(frozen=True)
class SplitProposal:
    """Students to split and the proposed groups (lists of student ids)."""

    students: list[StudentRef]
    groups: list[list[int]]


def _previous_year_class(session: Session, school_class: SchoolClass) -> SchoolClass | None:
    year = session.get(SchoolYear, school_class.school_year_id)
    if year is None:
        return None
    previous = session.scalar(
        select(SchoolYear)
        .where(SchoolYear.ends_on < year.starts_on)
        .order_by(SchoolYear.ends_on.desc())
        .limit(1)
    )
    if previous is None:
        return None
    return session.scalar(
        select(SchoolClass).where(
            SchoolClass.school_year_id == previous.id,
            SchoolClass.grade == school_class.grade - 1,
            SchoolClass.letter == school_class.letter,
        )
    )


def propose_split(
    session: Session,
    actor: Actor,
    *,
    class_id: int,
    subject_id: int,
    groups_count: int,
    method: SplitMethod,
    on: date,
) -> SplitProposal:
    """Propose how to split the class for a subject; nothing is saved."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    if not 2 <= groups_count <= 6:
        raise DomainError("Число групп — от 2 до 6.")
    school_class = class_or_404(session, class_id)
    subject_or_404(session, subject_id)
    students = enrolled_students(session, class_id, on)
    exempt = exempt_students(session, [s.student_id for s in students], subject_id, on)
    students = [s for s in students if s.student_id not in exempt]
    ids = [s.student_id for s in students]
    groups: list[list[int]] = [[] for _ in range(groups_count)]
    if method is SplitMethod.ALPHABETICAL:
        size, extra = divmod(len(ids), groups_count)
        start = 0
        for i in range(groups_count):
            end = start + size + (1 if i < extra else 0)
            groups[i] = ids[start:end]
            start = end
    elif method is SplitMethod.BALANCED:
        for i, student_id in enumerate(ids):
            groups[i % groups_count].append(student_id)
    elif method is SplitMethod.LAST_YEAR:
        groups = _last_year_split(session, school_class, subject_id, ids, groups_count)
    return SplitProposal(students=students, groups=groups)


def _last_year_split(
    session: Session, school_class: SchoolClass, subject_id: int, ids: list[int], count: int
) -> list[list[int]]:
    previous = _previous_year_class(session, school_class)
    if previous is None:
        raise DomainError(
            f"В прошлом учебном году не было класса {school_class.grade - 1}"
            f"{school_class.letter}: выберите другой способ деления."
        )
    old_groups = list(
        session.scalars(
            select(StudyGroup.id)
            .where(
                StudyGroup.class_id == previous.id,
                StudyGroup.subject_id == subject_id,
                StudyGroup.kind == GroupKind.SUBGROUP,
            )
            .order_by(StudyGroup.name, StudyGroup.id)
        )
    )
    if not old_groups:
        raise DomainError(
            f"В прошлом году класс {previous.name} не делился на группы по этому предмету."
        )
    index_of_group = {group_id: i for i, group_id in enumerate(old_groups)}
    last_group: dict[int, int] = {}
    for student_id, group_id in session.execute(
        select(GroupMembership.student_id, GroupMembership.group_id)
        .where(GroupMembership.group_id.in_(old_groups), GroupMembership.student_id.in_(ids))
        .order_by(GroupMembership.starts_on)
    ):
        last_group[student_id] = index_of_group[group_id]
    groups: list[list[int]] = [[] for _ in range(count)]
    newcomers = []
    for student_id in ids:
        index = last_group.get(student_id)
        if index is None or index >= count:
            newcomers.append(student_id)
        else:
            groups[index].append(student_id)
    # New students (and groups that no longer exist) fill the smallest groups.
    for student_id in newcomers:
        min(groups, key=len).append(student_id)
    return groups
