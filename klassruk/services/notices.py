"""In-app notices: messages to one user, shown on their home page until marked read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import NotFound
from klassruk.models.incidents import Notice


def unread_notices(session: Session, actor: Actor) -> list[Notice]:
    """The actor's unread notices, newest first."""
    require(actor, Action.VIEW_HOME)
    if actor.user_id is None:
        return []
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.user_id == actor.user_id, Notice.read_at.is_(None))
            .order_by(Notice.id.desc())
        )
    )


def mark_notice_read(
    session: Session, actor: Actor, *, notice_id: int, now: datetime | None = None
) -> None:
    """Mark one of the actor's own notices read."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.user_id != actor.user_id:
        raise NotFound("Уведомление не найдено.")
    notice.read_at = now or utcnow()
