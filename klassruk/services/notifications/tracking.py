"""The sender's side of messages: who got a message and how, and the paper route's printing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.clock import utcnow
from klassruk.errors import PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.notifications import (
    Channel,
    ClassMessage,
    ClassMessageRecipient,
    DeliveryStatus,
    Notification,
)
from klassruk.models.school import Guardian, Student
from klassruk.services.scope.classes import OUT_OF_SCOPE, own_class_ids_query


@dataclass(frozen=True)
class SentMessage:
    """A sent message with its counts."""

    message_id: int
    title: str
    created_at: datetime
    asks_acknowledgement: bool
    families: int
    paper: int
    read: int
    acknowledged: int


def _readable_messages(actor: Actor) -> object:
    if actor.is_school_wide_for(Action.SEND_MESSAGES):
        return True
    return (ClassMessage.author_user_id == actor.user_id) | ClassMessage.class_id.in_(
        own_class_ids_query(actor)
    )


def sent_messages(session: Session, actor: Actor) -> list[SentMessage]:
    """Messages the actor may follow (own and own classes'; all school-wide), newest first."""
    require(actor, Action.SEND_MESSAGES)
    acked = (
        select(func.count(func.distinct(Acknowledgement.guardian_id)))
        .where(Acknowledgement.kind == AckKind.MESSAGE, Acknowledgement.item_id == ClassMessage.id)
        .scalar_subquery()
    )
    query = (
        select(
            ClassMessage.id, ClassMessage.title, ClassMessage.created_at,
            ClassMessage.asks_acknowledgement,
            func.count(ClassMessageRecipient.id),
            func.count(ClassMessageRecipient.id).filter(ClassMessageRecipient.paper.is_(True)),
            func.count(ClassMessageRecipient.read_at),
            acked,
        )
        .join(ClassMessageRecipient, ClassMessageRecipient.message_id == ClassMessage.id)
        .where(_readable_messages(actor))  # type: ignore[arg-type]
        .group_by(ClassMessage.id)
        .order_by(ClassMessage.created_at.desc(), ClassMessage.id.desc())
    )
    return [SentMessage(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class FamilyState:
    """One family's state for a message: route, read, acknowledged, e-mail and SMS outcome."""

    student: str
    guardian: str
    paper: bool
    printed_at: datetime | None
    read_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_via: AckChannel | None
    deliveries: dict[Channel, tuple[DeliveryStatus, str | None]]


def message_families(session: Session, actor: Actor, *, message_id: int) -> list[FamilyState]:
    """Per family: how the message went out and whether it was read and acknowledged."""
    require(actor, Action.SEND_MESSAGES)
    visible = session.scalar(
        select(ClassMessage.id).where(
            ClassMessage.id == message_id,
            _readable_messages(actor),  # type: ignore[arg-type]
        )
    )
    if visible is None:
        raise PermissionDenied(OUT_OF_SCOPE)
    acks: dict[tuple[int, int], tuple[datetime, AckChannel]] = {}
    for guardian_id, student_id, at, channel in session.execute(
        select(Acknowledgement.guardian_id, Acknowledgement.student_id,
               Acknowledgement.acknowledged_at, Acknowledgement.channel)
        .where(Acknowledgement.kind == AckKind.MESSAGE, Acknowledgement.item_id == message_id)
        .order_by(Acknowledgement.acknowledged_at)
    ):
        acks.setdefault((guardian_id, student_id), (at, channel))
    deliveries: dict[int, dict[Channel, tuple[DeliveryStatus, str | None]]] = {}
    for sent_to, via, status, error in session.execute(
        select(UserAccount.guardian_id, Notification.channel, Notification.status,
               Notification.last_error)
        .join(UserAccount, UserAccount.id == Notification.user_id)
        .where(Notification.class_message_id == message_id)
        .order_by(Notification.id)
    ):
        if sent_to is not None:
            deliveries.setdefault(sent_to, {})[via] = (status, error)
    rows = []
    for recipient, student, guardian in session.execute(
        select(ClassMessageRecipient, Student, Guardian)
        .join(Student, Student.id == ClassMessageRecipient.student_id)
        .join(Guardian, Guardian.id == ClassMessageRecipient.guardian_id)
        .where(ClassMessageRecipient.message_id == message_id)
        .order_by(Student.last_name, Student.first_name, Guardian.last_name)
    ):
        ack = acks.get((recipient.guardian_id, recipient.student_id))
        rows.append(FamilyState(
            student=f"{student.last_name} {student.first_name}",
            guardian=guardian.full_name,
            paper=recipient.paper,
            printed_at=recipient.printed_at,
            read_at=recipient.read_at,
            acknowledged_at=ack[0] if ack else None,
            acknowledged_via=ack[1] if ack else None,
            deliveries=deliveries.get(recipient.guardian_id, {}),
        ))
    return rows


def paper_messages(
    session: Session, *, guardian_id: int, student_ids: Collection[int]
) -> list[tuple[int, ClassMessage]]:
    """Messages still to be printed on the next paper extract for this guardian's children."""
    return [
        (student_id, message)
        for student_id, message in session.execute(
            select(ClassMessageRecipient.student_id, ClassMessage)
            .join(ClassMessage, ClassMessage.id == ClassMessageRecipient.message_id)
            .where(
                and_(
                    ClassMessageRecipient.guardian_id == guardian_id,
                    ClassMessageRecipient.student_id.in_(list(student_ids)),
                    ClassMessageRecipient.paper.is_(True),
                    ClassMessageRecipient.printed_at.is_(None),
                )
            )
            .order_by(ClassMessage.created_at)
        )
    ]


def mark_printed(session: Session, *, guardian_id: int, message_ids: Collection[int]) -> None:
    """The paper extract carrying these messages was printed for this guardian."""
    session.execute(
        update(ClassMessageRecipient)
        .where(
            ClassMessageRecipient.guardian_id == guardian_id,
            ClassMessageRecipient.message_id.in_(list(message_ids)),
            ClassMessageRecipient.printed_at.is_(None),
        )
        .values(printed_at=utcnow())
    )
