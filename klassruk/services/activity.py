"""The activity log: what users did that is not a data change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, insert, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.models import ActivityLog
from klassruk.models.families import FamilyActivity, FamilyEvent
from klassruk.services import calendar
from klassruk.services.cabinet.common import list_children
from klassruk.services.scope.classes import require_class_scope


def record_activity(
    session: Session,
    *,
    event: str,
    login: str,
    user_id: int | None = None,
    detail: str | None = None,
    session_id: str | None = None,
    client_address: str | None = None,
) -> None:
    """Append one activity row."""
    session.add(
        ActivityLog(
            event=event,
            login=login[:80],
            user_id=user_id,
            detail=detail,
            session_id=session_id,
            client_address=client_address[:45] if client_address else None,
        )
    )


def record_family_event(
    session: Session,
    actor: Actor,
    *,
    event: FamilyEvent,
    on: date,
    student_id: int | None = None,
    class_id: int | None = None,
    section: str | None = None,
) -> None:
    """Append one narrow family row (a plain INSERT: it runs at every screen open at the peak)."""
    if actor.user_id is None:
        return
    session.execute(
        insert(FamilyActivity).values(
            at=utcnow(),
            week_start=calendar.week_start(on),
            user_id=actor.user_id,
            student_id=student_id,
            class_id=class_id,
            event=event,
            section=section,
        )
    )


def record_family_login(session: Session, actor: Actor, *, on: date) -> None:
    """A family member logged in: one row per child they may open (the report counts per class)."""
    if not actor.can(Action.VIEW_CABINET):
        return
    for child in list_children(session, actor, on=on):
        record_family_event(
            session,
            actor,
            event=FamilyEvent.LOGIN,
            on=on,
            student_id=child.student_id,
            class_id=child.class_id,
        )


def last_viewed_student(session: Session, actor: Actor) -> int | None:
    """The child whose cabinet screen the user opened last (the child picker starts there)."""
    if actor.user_id is None:
        return None
    return session.scalar(
        select(FamilyActivity.student_id)
        .where(
            FamilyActivity.user_id == actor.user_id,
            FamilyActivity.event == FamilyEvent.SCREEN,
        )
        .order_by(FamilyActivity.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class FamilyActivityRow:
    """How often the families of a class did something in a week."""

    event: FamilyEvent
    section: str | None
    events: int
    users: int


def weekly_family_activity(
    session: Session, actor: Actor, *, class_id: int, week_start: date
) -> list[FamilyActivityRow]:
    """Per event and section: rows and distinct users of the class's families in a week."""
    require_class_scope(session, actor, class_id, Action.VIEW_CLASS)
    query = (
        select(
            FamilyActivity.event,
            FamilyActivity.section,
            func.count(),
            func.count(distinct(FamilyActivity.user_id)),
        )
        .where(FamilyActivity.class_id == class_id, FamilyActivity.week_start == week_start)
        .group_by(FamilyActivity.event, FamilyActivity.section)
        .order_by(FamilyActivity.event, FamilyActivity.section)
    )
    return [FamilyActivityRow(*row) for row in session.execute(query)]
