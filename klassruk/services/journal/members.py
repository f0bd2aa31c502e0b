"""Who sits in a lesson: group membership intervals minus the groups that exempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ScalarSelect, and_, exists, or_, select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError
from klassruk.models.journal import (
    Lesson,
)
from klassruk.models.school import GroupKind, GroupMembership, StudyGroup, TeachingAssignment
from klassruk.services.journal.access import _group
from klassruk.text.formatting import format_date


@dataclass
class _Intervals:
    spans: list[tuple[date, date | None]] = field(default_factory=list)

    def covers(self, on: date) -> bool:
        return any(start <= on and (end is None or end >= on) for start, end in self.spans)


# Per student: (when in the group, when another group teaches them the subject).
Intervals = dict[int, tuple[_Intervals, _Intervals]]


def _exempting_groups(group: StudyGroup, subject_id: int) -> ScalarSelect[int]:
    """Groups that take a student out of the whole-class group for this subject."""
    return (
        select(StudyGroup.id)
        .where(
            StudyGroup.id != group.id,
            StudyGroup.kind != GroupKind.WHOLE_CLASS,
            or_(
                StudyGroup.subject_id == subject_id,
                exists().where(
                    TeachingAssignment.group_id == StudyGroup.id,
                    TeachingAssignment.subject_id == subject_id,
                ),
            ),
        )
        .scalar_subquery()
    )


def roster_intervals(
    session: Session, group_id: int, subject_id: int, starts_on: date, ends_on: date
) -> Intervals:
    """Per student: when they are in the group, and when another group teaches them this subject.

    A student of the whole class who is taught the subject in a subgroup, a stream or an
    individual plan is not in the whole-class lesson (as `groups.group_of_student_on` decides).
    """
    group = _group(session, group_id)
    overlap = and_(
        GroupMembership.starts_on <= ends_on,
        or_(GroupMembership.ends_on.is_(None), GroupMembership.ends_on >= starts_on),
    )
    result: dict[int, tuple[_Intervals, _Intervals]] = {}
    for student_id, start, end in session.execute(
        select(
            GroupMembership.student_id, GroupMembership.starts_on, GroupMembership.ends_on
        ).where(GroupMembership.group_id == group_id, overlap)
    ):
        result.setdefault(student_id, (_Intervals(), _Intervals()))[0].spans.append((start, end))
    if group.kind == GroupKind.WHOLE_CLASS and result:
        for student_id, start, end in session.execute(
            select(
                GroupMembership.student_id, GroupMembership.starts_on, GroupMembership.ends_on
            ).where(
                GroupMembership.group_id.in_(_exempting_groups(group, subject_id)),
                GroupMembership.student_id.in_(list(result)),
                overlap,
            )
        ):
            result[student_id][1].spans.append((start, end))
    return result


def is_in_lesson(
    intervals: Intervals, student_id: int, on: date
) -> bool:
    """Whether the student sits in the lesson of that date."""
    member = intervals.get(student_id)
    return member is not None and member[0].covers(on) and not member[1].covers(on)


def _check_member(session: Session, lesson: Lesson, student_id: int) -> None:
    intervals = roster_intervals(
        session, lesson.group_id, lesson.subject_id, lesson.lesson_date, lesson.lesson_date
    )
    if not is_in_lesson(intervals, student_id, lesson.lesson_date):
        raise DomainError(
            f"Обучающийся не занимается в этой группе {format_date(lesson.lesson_date)}: "
            "оценку или отметку поставить нельзя."
        )


# ---------------------------------------------------------------- the grid
