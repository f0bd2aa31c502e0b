"""E-mail over SMTP (STARTTLS, SSL or plain for a local relay), text and HTML parts."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from klassruk.services.notifications.channels import DeliveryError, Outgoing

SECURITY_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand over e-mail."""

    host: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password: str = ""
    sender: str = "noreply@localhost"
    sender_name: str = "Классрук"
    timeout_s: float = 20.0


def build_message(settings: SmtpSettings, outgoing: Outgoing) -> EmailMessage:
    """A multipart/alternative message with a List-Unsubscribe header when there is a link."""
    message = EmailMessage()
    message["Subject"] = outgoing.subject
    local, _, domain = settings.sender.partition("@")
    message["From"] = Address(settings.sender_name, local, domain)
    message["To"] = outgoing.address
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain or None)
    if outgoing.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
    message.set_content(outgoing.text)
    if outgoing.html:
        message.add_alternative(
            f'<!doctype html><html lang="ru"><body>{outgoing.html}</body></html>', subtype="html"
        )
    return message


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_s,
            context=ssl.create_default_context(),
        )
    client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    if settings.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


class SmtpTransport:
    """One SMTP connection reused for many messages; reopened after any failure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def send(self, outgoing: Outgoing) -> None:
        """Hand one message over; refusals of the address are permanent, the rest retried."""
        message = build_message(self.settings, outgoing)
        try:
            if self._client is None:
                self._client = _connect(self.settings)
                if self.settings.username:
                    self._client.login(self.settings.username, self.settings.password)
            self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            reason = f"адрес отклонён сервером: {', '.join(error.recipients)}"
            raise DeliveryError(reason, permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(f"SMTP: {type(error).__name__}: {error}"[:300]) from None

    def close(self) -> None:
        """Say goodbye to the server (quietly if the connection is already gone)."""
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
