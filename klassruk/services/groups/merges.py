"""Merging a subject's subgroups back into the whole class (undoing a split made by mistake)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.journal import Lesson, PeriodGrade, PlannedTest
from klassruk.models.school import GroupKind, GroupMembership, StudyGroup, TeachingAssignment
from klassruk.services.groups.queries import (
    locked_class,
    subject_or_404,
    whole_class_group,
)
from klassruk.services.groups.schedule import Target, carry_schedule
from klassruk.services.groups.splits import check_teacher
from klassruk.services.scope.classes import require_class_scope


def merge_split(
    session: Session, actor: Actor, *, class_id: int, subject_id: int, teacher_id: int, on: date
) -> StudyGroup:
    """Teach the subject to the whole class again: the groups' lessons come back to the class.

    Only groups with no journal of their own yet (no past lessons, grades or period grades)
    can be merged: those hold the journal's history.
    """
    require_class_scope(session, actor, class_id, Action.MANAGE_STUDY_GROUPS)
    school_class = locked_class(session, class_id)
    subject = subject_or_404(session, subject_id)
    subgroups = list(
        session.scalars(
            select(StudyGroup).where(
                StudyGroup.class_id == class_id,
                StudyGroup.subject_id == subject_id,
                StudyGroup.kind == GroupKind.SUBGROUP,
            )
        )
    )
    if not subgroups:
        raise DomainError(f"«{subject.name}»: класс {school_class.name} не разделён на группы.")
    check_teacher(session, teacher_id, subject, school_class.name)
    ids = [group.id for group in subgroups]
    hours = session.scalar(
        select(func.max(TeachingAssignment.hours_per_week)).where(
            TeachingAssignment.group_id.in_(ids)
        )
    )
    whole = whole_class_group(session, school_class)
    session.add(
        TeachingAssignment(
            staff_id=teacher_id, subject_id=subject_id, group_id=whole.id, hours_per_week=hours
        )
    )
    session.flush()
    carry_schedule(
        session, subject_id=subject_id, sources=ids, targets=[Target(whole.id, teacher_id)],
        on=on, subject_name=subject.name,
    )
    _refuse_with_history(session, ids, subject.name)
    # Row by row, not a bulk DELETE: the audit log records each.
    for table in (GroupMembership, TeachingAssignment, PlannedTest):
        for row in session.scalars(select(table).where(table.group_id.in_(ids))):
            session.delete(row)
    session.flush()
    for group in subgroups:
        session.delete(group)
    session.flush()
    return whole


def _refuse_with_history(session: Session, group_ids: list[int], subject_name: str) -> None:
    kept = session.scalar(
        select(func.min(Lesson.lesson_date)).where(Lesson.group_id.in_(group_ids))
    )
    graded = session.scalar(
        select(PeriodGrade.id).where(PeriodGrade.group_id.in_(group_ids)).limit(1)
    )
    if kept is not None or graded is not None:
        raise DomainError(
            f"«{subject_name}»: у групп уже есть свой журнал (уроки с оценками или пропусками, "
            "итоговые оценки), объединить их нельзя — он остался бы без группы. "
            "Переведите обучающихся между группами или смените учителя группы."
        )
