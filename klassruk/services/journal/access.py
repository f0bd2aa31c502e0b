"""Who keeps, substitutes in and reads a journal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.errors import DomainError
from klassruk.models.journal import (
    Lesson,
)
from klassruk.models.school import (
    ReportingPeriod,
    SchoolClass,
    StudyGroup,
    Subject,
    TeachingAssignment,
)
from klassruk.services import calendar
from klassruk.services.lookup import get_or_404
from klassruk.text.formatting import format_date


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
    # By grade, then letter: «10А» sorted before «7А» as text, and the journal opened on it.
    columns = (StudyGroup.id, Subject.id, StudyGroup.name, Subject.name,
               SchoolClass.grade, SchoolClass.letter)
    order = (SchoolClass.grade.nulls_last(), SchoolClass.letter, StudyGroup.name, Subject.name)
    query = (
        select(*columns)
        .join(TeachingAssignment, TeachingAssignment.group_id == StudyGroup.id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .outerjoin(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .where(TeachingAssignment.staff_id == actor.staff_id)
        .order_by(*order)
    )
    kept = [AssignmentRef(*row[:4]) for row in session.execute(query)]
    kept_keys = {(ref.group_id, ref.subject_id) for ref in kept}
    covered = session.execute(
        select(*columns)
        .join(Lesson, Lesson.group_id == StudyGroup.id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(SchoolClass, SchoolClass.id == StudyGroup.class_id)
        .where(Lesson.staff_id == actor.staff_id)
        .distinct()
        .order_by(*order)
    )
    return kept + [
        AssignmentRef(*row[:4], substitute=True)
        for row in covered
        if (row[0], row[1]) not in kept_keys
    ]


def _group(session: Session, group_id: int) -> StudyGroup:
    return get_or_404(session, StudyGroup, group_id, "Учебная группа не найдена.")


def _period_of_lesson(session: Session, lesson: Lesson) -> ReportingPeriod:
    period = calendar.period_on(session, lesson.lesson_date)
    if period is None:
        raise DomainError(f"Урок {format_date(lesson.lesson_date)} вне учебных периодов.")
    return period


# ---------------------------------------------------------------- who is in a lesson
