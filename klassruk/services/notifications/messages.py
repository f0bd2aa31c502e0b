"""Messages of the class teacher (and the deputy head, the admin) to families, and their state."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import (
    Acknowledgement,
    Enrolment,
    FamilyEvent,
    Guardian,
    GuardianLink,
    SchoolClass,
    Student,
    UserAccount,
)
from klassruk.models.families import AckChannel, AckKind
from klassruk.models.notifications import (
    Channel,
    ClassMessage,
    ClassMessageRecipient,
    DeliveryStatus,
    EventKind,
    MessageAudience,
    Notification,
)
from klassruk.permissions import Action, Actor, require
from klassruk.services.acknowledgements.ledger import record_once
from klassruk.services.activity import record_family_event
from klassruk.services.calendar import in_current_year, week_start
from klassruk.services.notifications.events import Event, emit
from klassruk.services.notifications.gating import reachable
from klassruk.services.scope.classes import (
    OUT_OF_SCOPE,
    active_on,
    own_class_ids_query,
    require_class_scope,
)
from klassruk.services.scope.students import require_family_scope

MAX_TITLE = 200
MAX_BODY = 4000


@dataclass(frozen=True)
class Audience:
    """Whom a message addresses, and which of those families."""

    kind: MessageAudience
    class_id: int | None = None
    grade: int | None = None
    # Only the families of these children (None: all).
    student_ids: frozenset[int] | None = None
    # Only the families that have not acknowledged this week (its Monday).
    not_acknowledged_week: date | None = None


def _class_ids(session: Session, actor: Actor, audience: Audience) -> list[int]:
    require(actor, Action.SEND_MESSAGES)
    if audience.kind is MessageAudience.CLASS:
        if audience.class_id is None:
            raise DomainError("Выберите класс.")
        require_class_scope(session, actor, audience.class_id, Action.SEND_MESSAGES)
        return [audience.class_id]
    if not actor.is_school_wide_for(Action.SEND_MESSAGES):
        raise PermissionDenied(
            "Параллели и всей школе пишут заместитель директора и администратор."
        )
    query = select(SchoolClass.id).where(in_current_year(SchoolClass.school_year_id))
    if audience.kind is MessageAudience.GRADE:
        if audience.grade is None:
            raise DomainError("Выберите параллель.")
        query = query.where(SchoolClass.grade == audience.grade)
    return list(session.scalars(query))


def class_children(
    session: Session, actor: Actor, *, class_id: int, on: date
) -> list[tuple[int, str]]:
    """The class's current students (id, «Фамилия Имя»), to choose families by."""
    require_class_scope(session, actor, class_id, Action.SEND_MESSAGES)
    return [
        (sid, f"{last} {first}")
        for sid, last, first in session.execute(
            select(Student.id, Student.last_name, Student.first_name)
            .join(Enrolment, Enrolment.student_id == Student.id)
            .where(
                Enrolment.class_id == class_id,
                active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            )
            .order_by(Student.last_name, Student.first_name)
        )
    ]


def _families(
    session: Session, class_ids: list[int], audience: Audience, on: date
) -> list[tuple[int, int]]:
    """(guardian, child) pairs of the classes' current students, narrowed as asked."""
    query = (
        select(GuardianLink.guardian_id, GuardianLink.student_id)
        .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
        .where(
            Enrolment.class_id.in_(class_ids),
            active_on(Enrolment.starts_on, Enrolment.ends_on, on),
            (GuardianLink.ends_on.is_(None)) | (GuardianLink.ends_on > on),
        )
        .order_by(GuardianLink.student_id, GuardianLink.guardian_id)
    )
    if audience.student_ids is not None:
        query = query.where(GuardianLink.student_id.in_(audience.student_ids))
    pairs = [(g, s) for g, s in session.execute(query)]
    if audience.not_acknowledged_week is not None:
        signed = {
            (g, s)
            for g, s in session.execute(
                select(Acknowledgement.guardian_id, Acknowledgement.student_id).where(
                    Acknowledgement.kind == AckKind.WEEK,
                    Acknowledgement.week_start == week_start(audience.not_acknowledged_week),
                )
            )
        }
        pairs = [pair for pair in pairs if pair not in signed]
    return list(dict.fromkeys(pairs))


def send_message(
    session: Session,
    actor: Actor,
    *,
    audience: Audience,
    title: str,
    body: str,
    asks_acknowledgement: bool,
    on: date,
) -> ClassMessage:
    """Address a message to families: the cabinet, e-mail/SMS by preferences, paper otherwise."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise DomainError("Напишите тему и текст сообщения.")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise DomainError(f"Тема — до {MAX_TITLE} символов, текст — до {MAX_BODY}.")
    class_ids = _class_ids(session, actor, audience)
    pairs = _families(session, class_ids, audience, on)
    if not pairs:
        raise DomainError("Ни одной семьи не выбрано: сообщение не отправлено.")
    electronic = {
        (r.guardian_id, r.student_id)
        for r in reachable(session, {s for _, s in pairs}, on=on)
        if r.guardian_id is not None
    }
    author = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
    message = ClassMessage(
        author_user_id=actor.user_id,
        author_name=author.display_name if author is not None else actor.login,
        audience=audience.kind,
        class_id=audience.class_id,
        grade=audience.grade,
        title=title,
        body=body,
        asks_acknowledgement=asks_acknowledgement,
    )
    session.add(message)
    session.flush()
    session.add_all(
        ClassMessageRecipient(
            message_id=message.id, guardian_id=g, student_id=s, paper=(g, s) not in electronic
        )
        for g, s in pairs
    )
    session.flush()
    emit(session, [Event(EventKind.CLASS_MESSAGE, {"message_id": message.id},
                         class_id=audience.class_id)])
    return message


# ---------------------------------------------------------------- the family's side


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
    return session.scalar(
        select(func.count())
        .select_from(ClassMessageRecipient)
        .join(GuardianLink, and_(
            GuardianLink.guardian_id == ClassMessageRecipient.guardian_id,
            GuardianLink.student_id == ClassMessageRecipient.student_id,
        ))
        .where(
            ClassMessageRecipient.guardian_id == actor.guardian_id,
            ClassMessageRecipient.read_at.is_(None),
            ClassMessageRecipient.paper.is_(False),
            (GuardianLink.ends_on.is_(None)) | (GuardianLink.ends_on > on),
        )
    ) or 0


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


# ---------------------------------------------------------------- the sender's side


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
