"""Signed, expiring, single-use links in messages: unsubscribe and «Ознакомлен(а)»."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.notifications import (
    ClassMessage,
    LinkPurpose,
    NotificationLink,
    NotificationPreference,
)
from klassruk.models.school import GuardianLink, Student
from klassruk.services.notifications.inbox import record_message_acknowledgement
from klassruk.services.scope.links import link_current_on
from klassruk.text.formatting import format_date

# The query parameter app.py recognises before any login.
LINK_PARAMETER = "link"
LINK_LIFETIMES: dict[LinkPurpose, timedelta] = {
    LinkPurpose.UNSUBSCRIBE: timedelta(days=60),
    LinkPurpose.ACKNOWLEDGE_WEEK: timedelta(days=14),
    LinkPurpose.ACKNOWLEDGE_MESSAGE: timedelta(days=14),
}
_DERIVATION = b"klassruk notification links"

FORGED = "Ссылка повреждена или не выдавалась школой: ничего не изменено."
EXPIRED = "Срок действия ссылки истёк: ничего не изменено. Войдите в электронный дневник."
USED = "Эта ссылка уже использована: повторно она ничего не меняет."
GONE = "Ссылка больше не действует (учётная запись или связь с ребёнком изменилась)."


class LinkError(DomainError):
    """A link that does nothing: forged, expired, reused or no longer valid."""


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _DERIVATION, hashlib.sha256).digest()


def _signature(secret: str, body: str) -> str:
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def make_link(
    session: Session,
    *,
    purpose: LinkPurpose,
    user_id: int,
    secret: str,
    app_url: str,
    now: datetime,
    **fields: Any,
) -> str:
    """A new link's URL; what it will do is stored with it, the URL only names and signs it."""
    link_id = secrets.token_hex(16)
    expires = now + LINK_LIFETIMES[purpose]
    session.add(
        NotificationLink(
            id=link_id, purpose=purpose, user_id=user_id, created_at=now, expires_at=expires,
            **fields,
        )
    )
    body = f"{link_id}.{int(expires.timestamp())}"
    token = f"{body}.{_signature(secret, body)}"
    return f"{app_url.rstrip('/')}/?{urlencode({LINK_PARAMETER: token})}"


@dataclass(frozen=True)
class LinkOutcome:
    """What a used link did, for the confirmation page."""

    title: str
    detail: str


def _parse(token: str, secret: str, now: datetime) -> str:
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise LinkError(FORGED)
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _signature(secret, body)):
        raise LinkError(FORGED)
    if datetime.fromtimestamp(int(parts[1]), UTC) < now:
        raise LinkError(EXPIRED)
    return parts[0]


def use_link(
    session: Session, *, token: str, secret: str, now: datetime | None = None
) -> LinkOutcome:
    """Do what the link says, once: a conditional update claims it, a second claim fails."""
    now = now or utcnow()
    link_id = _parse(token, secret, now)
    link = session.get(NotificationLink, link_id)
    if link is None:
        raise LinkError(FORGED)
    if link.expires_at < now:
        raise LinkError(EXPIRED)
    claimed = session.execute(
        update(NotificationLink)
        .where(NotificationLink.id == link_id, NotificationLink.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkError(USED)
    user = session.get(UserAccount, link.user_id)
    if user is None or user.status is not AccountStatus.ACTIVE:
        raise LinkError(GONE)
    if link.purpose is LinkPurpose.UNSUBSCRIBE:
        return _unsubscribe(session, user)
    return _acknowledge(session, link, user, now)


def _unsubscribe(session: Session, user: UserAccount) -> LinkOutcome:
    pref = session.get(NotificationPreference, user.id)
    if pref is None:
        pref = NotificationPreference(user_id=user.id, muted_topics=[])
        session.add(pref)
    pref.email = False
    session.flush()
    return LinkOutcome(
        "Вы отписались от писем",
        "Письма с уведомлениями больше не придут. Включить их снова можно в электронном "
        "дневнике, в разделе «Уведомления».",
    )


def _acknowledge(
    session: Session, link: NotificationLink, user: UserAccount, now: datetime
) -> LinkOutcome:
    guardian_id, student_id = link.guardian_id, link.student_id
    on = now.date()
    linked = session.scalar(
        select(GuardianLink.id).where(
            GuardianLink.guardian_id == guardian_id,
            GuardianLink.student_id == student_id,
            link_current_on(on),
        )
    )
    if guardian_id is None or student_id is None or user.guardian_id != guardian_id or not linked:
        raise LinkError(GONE)
    student = session.get(Student, student_id)
    assert student is not None
    if link.purpose is LinkPurpose.ACKNOWLEDGE_WEEK:
        session.add(
            Acknowledgement(
                guardian_id=guardian_id, student_id=student_id, kind=AckKind.WEEK,
                week_start=link.week_start, shown=link.shown or {}, digest=link.digest or "",
                channel=AckChannel.EMAIL_LINK, acknowledged_at=now, user_id=user.id,
            )
        )
        session.flush()
        week = link.week_start
        what = f"неделя с {format_date(week)}" if week is not None else "неделя"
    else:
        message = session.get(ClassMessage, link.class_message_id)
        assert message is not None
        record_message_acknowledgement(
            session, message=message, guardian_id=guardian_id, student_id=student_id,
            channel=AckChannel.EMAIL_LINK, user_id=user.id, now=now,
        )
        what = f"сообщение «{message.title}»"
    return LinkOutcome(
        "Ознакомление подтверждено",
        f"{student.full_name}: {what}. Подтверждение записано в электронный дневник школы.",
    )
