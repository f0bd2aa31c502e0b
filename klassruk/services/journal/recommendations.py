"""Teachers' recommendations to students."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.journal import (
    Recommendation,
)
from klassruk.models.school import GroupMembership, Student, Subject
from klassruk.services.notifications import events
from klassruk.services.scope.classes import active_on
from klassruk.services.scope.journals import READ_ONLY, keeps_journal, require_journal_reader
from klassruk.text.policy import clean_text


def add_recommendation(
    session: Session, actor: Actor, *, group_id: int, subject_id: int, student_id: int, text: str,
    on: date,
) -> Recommendation:
    """A teacher's recommendation to a current student of the group (the family sees it)."""
    text = clean_text(text)
    if not text:
        raise DomainError("Напишите текст рекомендации.")
    if len(text) > 2000:
        raise DomainError("Рекомендация — не длиннее 2000 символов.")
    if not keeps_journal(session, actor, group_id=group_id, subject_id=subject_id):
        raise PermissionDenied(READ_ONLY)
    if (
        session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.group_id == group_id, GroupMembership.student_id == student_id,
                active_on(GroupMembership.starts_on, GroupMembership.ends_on, on),
            )
        )
        is None
    ):
        raise DomainError("Рекомендации пишут только обучающимся своей группы.")
    recommendation = Recommendation(
        student_id=student_id,
        subject_id=subject_id,
        staff_id=actor.staff_id,
        text=text,
        created_by=actor.login,
    )
    session.add(recommendation)
    session.flush()
    events.emit(session, [events.recommendation_event(
        recommendation_id=recommendation.id, subject_id=subject_id, student_id=student_id
    )])
    return recommendation


@dataclass(frozen=True)
class RecommendationRow:
    """A recommendation as lists show it."""

    student: str
    subject: str
    text: str
    created_at: object
    author: str


def recommendations(
    session: Session, actor: Actor, *, group_id: int, subject_id: int
) -> list[RecommendationRow]:
    """Recommendations written to the group's students in the subject."""
    reach = require_journal_reader(session, actor, group_id=group_id, subject_id=subject_id)
    members = select(GroupMembership.student_id).where(GroupMembership.group_id == group_id)
    if reach.spans is not None:
        members = members.where(GroupMembership.student_id.in_(list(reach.spans)))
    return [
        RecommendationRow(f"{last} {first}", subject, text, at, author)
        for last, first, subject, text, at, author in session.execute(
            select(
                Student.last_name,
                Student.first_name,
                Subject.name,
                Recommendation.text,
                Recommendation.created_at,
                Recommendation.created_by,
            )
            .join(Student, Student.id == Recommendation.student_id)
            .join(Subject, Subject.id == Recommendation.subject_id)
            .where(
                Recommendation.subject_id == subject_id,
                Recommendation.student_id.in_(members),
            )
            .order_by(Recommendation.created_at.desc())
        )
    ]
