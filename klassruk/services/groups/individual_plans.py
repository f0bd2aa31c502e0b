"""Individual curricula (ИУП): a group of one student taking over some subjects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.school import GroupKind, GroupMembership, StudyGroup, TeachingAssignment
from klassruk.services.groups.moves import active_split_membership, end_membership, require_enrolled
from klassruk.services.groups.queries import (
    locked_class,
    subject_or_404,
    year_group_names,
)
from klassruk.services.groups.splits import check_teacher
from klassruk.services.scope.classes import require_class_scope
from klassruk.text.russian import Case, decline_name


@dataclass(frozen=True)
class IndividualSubject:
    """One subject of an individual curriculum with its teacher."""

    subject_id: int
    teacher_id: int
    hours_per_week: float


def create_individual_plan(
    session: Session,
    actor: Actor,
    *,
    student_id: int,
    class_id: int,
    subjects: list[IndividualSubject],
    on: date,
) -> StudyGroup:
    """A student on an individual curriculum: a group of one, taking over the listed subjects."""
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    school_class = locked_class(session, class_id)
    student = require_enrolled(session, student_id, class_id, on)
    if not subjects:
        raise DomainError("Укажите хотя бы один предмет индивидуального учебного плана.")
    if len({s.subject_id for s in subjects}) != len(subjects):
        raise DomainError("Предмет указан в плане дважды.")
    existing = session.scalar(
        select(StudyGroup.id)
        .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
        .where(
            StudyGroup.kind == GroupKind.INDIVIDUAL,
            StudyGroup.school_year_id == school_class.school_year_id,
            GroupMembership.student_id == student_id,
        )
    )
    if existing is not None:
        raise DomainError(
            f"У {decline_name(student.full_name, Case.GENITIVE)} уже есть индивидуальный "
            "учебный план."
        )
    name = f"ИУП: {student.full_name} ({school_class.name})"
    if name.casefold() in year_group_names(session, school_class.school_year_id):
        raise DomainError(f"Группа с названием «{name}» уже есть в этом учебном году.")
    for item in subjects:
        if item.hours_per_week <= 0:
            raise DomainError("Часы в неделю должны быть больше нуля.")
        check_teacher(session, item.teacher_id, subject_or_404(session, item.subject_id), name)
    group = StudyGroup(
        school_year_id=school_class.school_year_id,
        class_id=class_id,
        subject_id=None,
        kind=GroupKind.INDIVIDUAL,
        name=name,
    )
    session.add(group)
    session.flush()
    for item in subjects:
        session.add(
            TeachingAssignment(
                staff_id=item.teacher_id,
                subject_id=item.subject_id,
                group_id=group.id,
                hours_per_week=item.hours_per_week,
            )
        )
        # The individual plan takes over: leave the class's subgroup of that subject.
        current = active_split_membership(session, student_id, class_id, item.subject_id, on)
        if current is not None:
            end_membership(session, current, on)
    session.add(GroupMembership(group_id=group.id, student_id=student_id, starts_on=on))
    session.flush()
    return group
