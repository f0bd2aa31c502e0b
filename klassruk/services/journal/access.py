"""Who keeps, substitutes in and reads a journal."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.errors import DomainError, PermissionDenied
from klassruk.formatting import format_date
from klassruk.models import (
    Enrolment,
    GroupMembership,
    ReportingPeriod,
    SchoolClass,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.models.journal import (
    Lesson,
)
from klassruk.permissions import Action, Actor, Role
from klassruk.services import calendar
from klassruk.services.journal.common import CLOSED, DEPUTY_OPEN_PERIOD, NOT_COVERED, READ_ONLY
from klassruk.services.lookup import get_or_404
from klassruk.services.scope import OUT_OF_SCOPE, require_class_scope


@dataclass(frozen=True)
class AssignmentRef:
    """A group and subject a teacher keeps the journal for."""

    group_id: int
    subject_id: int
    group: str
    subject: str
    # True when the actor only covered some of its lessons as a substitute.
    substitute: bool = False

    @property
    def label(self) -> str:
        suffix = " (замена)" if self.substitute else ""
        return f"{self.group} — {self.subject}{suffix}"


def own_assignments(session: Session, actor: Actor) -> list[AssignmentRef]:
    """The journals the actor keeps, then those where the actor covered lessons as a substitute."""
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return []
    query = (
        select(StudyGroup.id, Subject.id, StudyGroup.name, Subject.name)
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.staff_id == actor.staff_id)
        .order_by(StudyGroup.name, Subject.name)
    )
    kept = [AssignmentRef(*row) for row in session.execute(query)]
    kept_keys = {(ref.group_id, ref.subject_id) for ref in kept}
    covered = session.execute(
        select(StudyGroup.id, Subject.id, StudyGroup.name, Subject.name)
        .join(Lesson, Lesson.group_id == StudyGroup.id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .where(Lesson.staff_id == actor.staff_id)
        .distinct()
        .order_by(StudyGroup.name, Subject.name)
    )
    return kept + [
        AssignmentRef(*row, substitute=True)
        for row in covered
        if (row[0], row[1]) not in kept_keys
    ]


def _covered_lessons(
    session: Session, actor: Actor, group_id: int, subject_id: int
) -> set[int]:
    """Lessons of this journal the actor taught as a substitute."""
    if actor.staff_id is None or not actor.can(Action.EDIT_JOURNAL):
        return set()
    return set(
        session.scalars(
            select(Lesson.id).where(
                Lesson.group_id == group_id,
                Lesson.subject_id == subject_id,
                Lesson.staff_id == actor.staff_id,
            )
        )
    )


def _teaches(session: Session, actor: Actor, group_id: int, subject_id: int) -> bool:
    if actor.is_system:
        return True
    if not actor.can(Action.EDIT_JOURNAL) or actor.staff_id is None:
        return False
    return (
        session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.group_id == group_id,
                TeachingAssignment.subject_id == subject_id,
                TeachingAssignment.staff_id == actor.staff_id,
            )
        )
        is not None
    )


def require_writer(
    session: Session,
    actor: Actor,
    *,
    group_id: int,
    subject_id: int,
    period: ReportingPeriod,
    reason: str | None,
    lesson_ids: Collection[int] = (),
) -> None:
    """Refuse unless the actor may write this journal (or these lessons of it) in this period.

    The subject teacher writes in open periods; a substitute writes the lessons they covered;
    the deputy head corrects closed periods with a reason; everyone else (the class teacher
    included) only reads.
    """
    if lesson_ids and not _teaches(session, actor, group_id, subject_id):
        covered = _covered_lessons(session, actor, group_id, subject_id)
        if covered and set(lesson_ids) <= covered:
            if period.is_closed:
                raise DomainError(CLOSED.format(name=period.name))
            return
        if covered:
            raise PermissionDenied(NOT_COVERED)
    if _teaches(session, actor, group_id, subject_id):
        if period.is_closed and not actor.is_system:
            if actor.can(Action.EDIT_CLOSED_PERIOD):
                if not (reason or "").strip():
                    raise DomainError("Укажите причину исправления в закрытом периоде.")
                return
            raise DomainError(CLOSED.format(name=period.name))
        return
    if actor.can(Action.EDIT_CLOSED_PERIOD):
        if not period.is_closed:
            raise PermissionDenied(DEPUTY_OPEN_PERIOD)
        if not (reason or "").strip():
            raise DomainError("Укажите причину исправления в закрытом периоде.")
        return
    raise PermissionDenied(READ_ONLY)


def may_write(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> bool:
    """Whether the actor is the one who keeps this journal (for showing edit widgets)."""
    return _teaches(session, actor, group_id, subject_id) or actor.can(Action.EDIT_CLOSED_PERIOD)


def require_reader(session: Session, actor: Actor, *, group_id: int, subject_id: int) -> None:
    """Refuse unless the actor keeps this journal or reads the class journal of the group."""
    if _teaches(session, actor, group_id, subject_id):
        return
    if _covered_lessons(session, actor, group_id, subject_id):
        return
    if actor.is_school_wide_for(Action.VIEW_CLASS_JOURNAL):
        return
    group = _group(session, group_id)
    if group.class_id is not None:
        require_class_scope(session, actor, group.class_id, Action.VIEW_CLASS_JOURNAL)
        return
    # A stream spans classes: its class teachers read it for their own pupils.
    if Role.CLASS_TEACHER in actor.roles and actor.staff_id is not None:
        own_pupil = session.scalar(
            select(GroupMembership.id)
            .join(Enrolment, Enrolment.student_id == GroupMembership.student_id)
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(
                GroupMembership.group_id == group_id,
                SchoolClass.class_teacher_id == actor.staff_id,
            )
            .limit(1)
        )
        if own_pupil is not None:
            return
    raise PermissionDenied(OUT_OF_SCOPE)


def _group(session: Session, group_id: int) -> StudyGroup:
    return get_or_404(session, StudyGroup, group_id, "Учебная группа не найдена.")


def _period_of_lesson(session: Session, lesson: Lesson) -> ReportingPeriod:
    period = calendar.period_on(session, lesson.lesson_date)
    if period is None:
        raise DomainError(f"Урок {format_date(lesson.lesson_date)} вне учебных периодов.")
    return period


# ---------------------------------------------------------------- who is in a lesson
