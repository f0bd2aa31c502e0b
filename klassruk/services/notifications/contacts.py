"""Where a family member is reached: an e-mail or phone, confirmed by a code sent to it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.models.notifications import (
    Channel,
    Notification,
    NotificationContact,
    NotificationKind,
)
from klassruk.services.notifications.preferences import family_user

CODE_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5


def normalise_address(channel: Channel, text: str) -> str:
    """A validated e-mail (normalised) or phone (E.164, Russian numbers without +7 accepted)."""
    text = (text or "").strip()
    if channel is Channel.EMAIL:
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise DomainError(f"«{text[:60]}» — не адрес электронной почты.") from None
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(f"«{text[:30]}» — не номер телефона (пример: +7 916 123-45-67).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _code_hash(contact_id: int, code: str) -> str:
    return hmac.new(str(contact_id).encode(), code.encode(), hashlib.sha256).hexdigest()


def _verification_text(code: str) -> tuple[str, str]:
    subject = "Классрук: код подтверждения"
    return subject, f"Код подтверждения для уведомлений Классрука: {code}. Действует 30 минут."


def request_verification(
    session: Session, actor: Actor, *, channel: Channel, address: str
) -> NotificationContact:
    """Keep the address (unconfirmed) and send a one-time code to it by the same channel."""
    user_id = family_user(actor)
    normal = normalise_address(channel, address)
    contact = session.scalar(
        select(NotificationContact)
        .where(NotificationContact.user_id == user_id, NotificationContact.channel == channel)
        .with_for_update()
    )
    if contact is None:
        contact = NotificationContact(user_id=user_id, channel=channel, address=normal)
        session.add(contact)
        session.flush()
    code = f"{secrets.randbelow(1_000_000):06d}"
    contact.address, contact.verified_at = normal, None
    contact.code_hash = _code_hash(contact.id, code)
    contact.code_expires_at = utcnow() + CODE_LIFETIME
    contact.code_attempts = 0
    subject, text = _verification_text(code)
    # The code is the only thing sent before the address is confirmed; it tells nothing about
    # the child, so it does not wait for consent.
    session.add(
        Notification(
            user_id=user_id, channel=channel, kind=NotificationKind.VERIFICATION,
            address=normal, subject=subject, body_text=text,
        )
    )
    session.flush()
    return contact


def confirm_contact(session: Session, actor: Actor, *, channel: Channel, code: str) -> None:
    """Confirm the address with the code it received."""
    user_id = family_user(actor)
    contact = session.scalar(
        select(NotificationContact)
        .where(NotificationContact.user_id == user_id, NotificationContact.channel == channel)
        .with_for_update()
    )
    if contact is None or contact.code_hash is None or contact.code_expires_at is None:
        raise DomainError("Сначала укажите адрес и получите код.")
    if contact.code_attempts >= MAX_CODE_ATTEMPTS or contact.code_expires_at < utcnow():
        raise DomainError("Код больше не действует: запросите новый.")
    if not hmac.compare_digest(contact.code_hash, _code_hash(contact.id, (code or "").strip())):
        contact.code_attempts += 1
        session.flush()
        raise DomainError("Код не подошёл. Проверьте его и введите ещё раз.")
    contact.verified_at = utcnow()
    contact.code_hash = contact.code_expires_at = None
    session.flush()


@dataclass(frozen=True)
class ContactRow:
    """An address as the settings page shows it."""

    channel: Channel
    address: str
    verified_at: datetime | None


def my_contacts(session: Session, actor: Actor) -> dict[Channel, ContactRow]:
    """The acting family member's addresses."""
    user_id = family_user(actor)
    return {
        c.channel: ContactRow(c.channel, c.address, c.verified_at)
        for c in session.scalars(
            select(NotificationContact).where(NotificationContact.user_id == user_id)
        )
    }


def verified_addresses(session: Session, user_ids: list[int]) -> dict[tuple[int, Channel], str]:
    """Confirmed addresses of these logins, by (login, channel)."""
    if not user_ids:
        return {}
    return {
        (user_id, channel): address
        for user_id, channel, address in session.execute(
            select(
                NotificationContact.user_id,
                NotificationContact.channel,
                NotificationContact.address,
            ).where(
                NotificationContact.user_id.in_(user_ids),
                NotificationContact.verified_at.is_not(None),
            )
        )
    }
