"""Messages of the class teacher (the deputy head, the admin) to families: whom, and sending."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Action, Actor, require
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import UserAccount
from klassruk.models.families import AckKind, Acknowledgement
from klassruk.models.notifications import (
    Channel,
    ClassMessage,
    ClassMessageRecipient,
    EventKind,
    MessageAudience,
)
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass, Student
from klassruk.services.calendar import in_current_year, week_start
from klassruk.services.notifications.contacts import verified_addresses
from klassruk.services.notifications.events import TOPIC_OF, Event, emit
from klassruk.services.notifications.gating import reachable
from klassruk.services.notifications.outbox import delivery_channels
from klassruk.services.notifications.preferences import preferences_of
from klassruk.services.scope.classes import active_on, require_class_scope
from klassruk.services.scope.links import link_current_on

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
            link_current_on(on),
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


def _text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise DomainError("Напишите тему и текст сообщения.")
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise DomainError(f"Тема — до {MAX_TITLE} символов, текст — до {MAX_BODY}.")
    return title, body


def _addressed(
    session: Session, actor: Actor, audience: Audience, on: date
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], list[int]]]:
    """The (guardian, child) pairs addressed; the electronic ones with their guardians' logins."""
    pairs = _families(session, _class_ids(session, actor, audience), audience, on)
    if not pairs:
        raise DomainError("Ни одной семьи не выбрано: сообщение не отправлено.")
    electronic: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in reachable(session, {s for _, s in pairs}, on=on):
        if r.guardian_id is not None:
            electronic[(r.guardian_id, r.student_id)].append(r.user_id)
    return pairs, electronic


@dataclass(frozen=True)
class Reach:
    """What a message would do: families addressed, of them on paper; e-mails and SMS sent."""

    families: int
    paper: int
    emails: int
    sms: int


def message_reach(
    session: Session, actor: Actor, *, audience: Audience, title: str, body: str, on: date
) -> Reach:
    """What `send_message` with these arguments would do, refusing what it would refuse.

    One e-mail and one SMS per login, as the sender sends a message (whatever the number of
    the login's children it addresses); by each login's channels, confirmed addresses and topics.
    """
    _text(title, body)
    pairs, electronic = _addressed(session, actor, audience, on)
    users = sorted({user for pair in pairs for user in electronic.get(pair, ())})
    prefs = preferences_of(session, users)
    addresses = verified_addresses(session, users)
    topic = TOPIC_OF[EventKind.CLASS_MESSAGE]
    channels = [
        channel
        for user in users
        for channel in delivery_channels(prefs[user], topic, user, addresses)
    ]
    return Reach(
        families=len(pairs),
        paper=sum(pair not in electronic for pair in pairs),
        emails=channels.count(Channel.EMAIL),
        sms=channels.count(Channel.SMS),
    )


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
    title, body = _text(title, body)
    pairs, electronic = _addressed(session, actor, audience, on)
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
