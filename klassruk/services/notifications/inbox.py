"""The family's side of messages: the cabinet's inbox, reading and «Ознакомлен(а)»."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Date, Select, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.families import AckChannel, AckKind, Acknowledgement, FamilyEvent
from klassruk.models.notifications import ClassMessage, ClassMessageRecipient
from klassruk.models.school import GuardianLink
from klassruk.services.acknowledgements.ledger import record_once
from klassruk.services.activity import record_family_event
from klassruk.services.scope.classes import OUT_OF_SCOPE
from klassruk.services.scope.links import link_current_on
from klassruk.services.scope.students import require_family_scope


@dataclass(frozen=True)
class InboxRow:
    """A message as the cabinet shows it."""

    message_id: int
    title: str
    body: str
    created_at: datetime
    asks_acknowledgement: bool
    read_at: datetime | None
    acknowledged_at: datetime | None


def family_messages(
    session: Session, actor: Actor, *, student_id: int, on: date
) -> list[InboxRow]:
    """The messages addressed to the acting guardian about this child, newest first."""
    require_family_scope(session, actor, student_id, on=on)
    if actor.guardian_id is None:
        return []
    acked = (
        select(func.max(Acknowledgement.acknowledged_at))
        .where(
            Acknowledgement.kind == AckKind.MESSAGE,
            Acknowledgement.item_id == ClassMessage.id,
            Acknowledgement.guardian_id == actor.guardian_id,
            Acknowledgement.student_id == student_id,
        )
        .scalar_subquery()
    )
    return [
        InboxRow(*row)
        for row in session.execute(
            select(
                ClassMessage.id, ClassMessage.title, ClassMessage.body, ClassMessage.created_at,
                ClassMessage.asks_acknowledgement, ClassMessageRecipient.read_at, acked,
            )
            .join(ClassMessageRecipient, ClassMessageRecipient.message_id == ClassMessage.id)
            .where(
                ClassMessageRecipient.guardian_id == actor.guardian_id,
                ClassMessageRecipient.student_id == student_id,
            )
            .order_by(ClassMessage.created_at.desc(), ClassMessage.id.desc())
        )
    ]


def unread_count(session: Session, actor: Actor, *, on: date) -> int:
    """How many messages to the acting guardian (about children in force) are still unread."""
    if actor.guardian_id is None:
        return 0
    return session.scalar(_unread(), {"guardian_id": actor.guardian_id, "on": on}) or 0


@cache
def _unread() -> Select[int]:
    # Built once: the family's home screen asks on every visit.
    return (
        select(func.count())
        .select_from(ClassMessageRecipient)
        .join(GuardianLink, and_(
            GuardianLink.guardian_id == ClassMessageRecipient.guardian_id,
            GuardianLink.student_id == ClassMessageRecipient.student_id,
        ))
        .where(
            ClassMessageRecipient.guardian_id == bindparam("guardian_id"),
            ClassMessageRecipient.read_at.is_(None),
            ClassMessageRecipient.paper.is_(False),
            link_current_on(bindparam("on", type_=Date)),
        )
    )


def mark_read(session: Session, actor: Actor, *, student_id: int, on: date) -> None:
    """The guardian opened the messages about this child: unread ones become read."""
    require_family_scope(session, actor, student_id, on=on)
    if actor.guardian_id is None:
        return
    session.execute(
        update(ClassMessageRecipient)
        .where(
            ClassMessageRecipient.guardian_id == actor.guardian_id,
            ClassMessageRecipient.student_id == student_id,
            ClassMessageRecipient.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )


def record_message_acknowledgement(
    session: Session,
    *,
    message: ClassMessage,
    guardian_id: int,
    student_id: int,
    channel: AckChannel,
    user_id: int | None,
    session_id: str | None = None,
    now: datetime | None = None,
) -> Acknowledgement:
    """«Ознакомлен(а)» with a message, in the acknowledgement ledger; the message becomes read."""
    now = now or utcnow()
    session.execute(
        update(ClassMessageRecipient)
        .where(
            ClassMessageRecipient.message_id == message.id,
            ClassMessageRecipient.guardian_id == guardian_id,
            ClassMessageRecipient.student_id == student_id,
            ClassMessageRecipient.read_at.is_(None),
        )
        .values(read_at=now)
    )
    ack = Acknowledgement(
        guardian_id=guardian_id, student_id=student_id, kind=AckKind.MESSAGE,
        item_id=message.id, shown={"title": message.title, "body": message.body},
        digest=hashlib.sha256(f"{message.title}\n{message.body}".encode()).hexdigest(),
        channel=channel, acknowledged_at=now, user_id=user_id, session_id=session_id,
    )
    # A second «Ознакомлен(а)» (a double click, the link and the cabinet) finds the first.
    return record_once(session, ack)[0]


def acknowledge_message(
    session: Session, actor: Actor, *, message_id: int, student_id: int, on: date
) -> Acknowledgement:
    """The guardian's «Ознакомлен(а)» with a message in the cabinet."""
    require(actor, Action.ACKNOWLEDGE)
    require_family_scope(session, actor, student_id, on=on)
    addressed = session.scalar(
        select(ClassMessageRecipient.id).where(
            ClassMessageRecipient.message_id == message_id,
            ClassMessageRecipient.guardian_id == actor.guardian_id,
            ClassMessageRecipient.student_id == student_id,
        )
    )
    message = session.get(ClassMessage, message_id)
    if actor.guardian_id is None or addressed is None or message is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    if not message.asks_acknowledgement:
        raise DomainError("Это сообщение не требует подтверждения.")
    ack = record_message_acknowledgement(
        session, message=message, guardian_id=actor.guardian_id, student_id=student_id,
        channel=AckChannel.WEB, user_id=actor.user_id, session_id=actor.session_id,
    )
    record_family_event(session, actor, event=FamilyEvent.ACKNOWLEDGE, on=on,
                        student_id=student_id, section="message")
    return ack


