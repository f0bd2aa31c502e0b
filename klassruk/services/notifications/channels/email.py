"""E-mail over SMTP (STARTTLS, SSL or plain for a local relay), text and HTML parts."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from io import BytesIO

from klassruk.clock import utcnow
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


# compat32 would move a long URL to a line of its own, which readers unfold with a leading
# space; RFC 5322 allows 998 characters a line.
@dataclass(frozen=True)
class _OneLine:
    """A header value the generator writes unfolded."""

    value: str

    def encode(self, linesep: str = "\n", maxlinelen: int | None = None) -> str:
        """The value as it is (the generator's folding hook)."""
        return self.value

    def __str__(self) -> str:
        return self.value


def build_message(settings: SmtpSettings, outgoing: Outgoing) -> Message:
    """A multipart/alternative message with a List-Unsubscribe header when there is a link.

    Built with the compat32 classes: `EmailMessage` parsed and refolded every header through
    the header registry, 10–15 ms of CPU per digest, the sender's largest cost.
    """
    text = MIMEText(outgoing.text, "plain", "utf-8")
    message: Message = text
    if outgoing.html:
        message = MIMEMultipart("alternative")
        message.attach(text)
        message.attach(MIMEText(
            f'<!doctype html><html lang="ru"><body>{outgoing.html}</body></html>', "html", "utf-8"
        ))
    message["Subject"] = Header(outgoing.subject, "utf-8")  # type: ignore[assignment]
    message["From"] = formataddr((settings.sender_name, settings.sender), "utf-8")
    message["To"] = (outgoing.address if outgoing.address.isascii()  # type: ignore[assignment]
                     else Header(outgoing.address, "utf-8"))
    message["Date"] = format_datetime(utcnow(), usegmt=True)
    domain = settings.sender.partition("@")[2]
    message["Message-ID"] = make_msgid(domain=domain or None)
    if outgoing.unsubscribe_url:
        message["List-Unsubscribe"] = _OneLine(f"<{outgoing.unsubscribe_url}>")  # type: ignore[assignment]
    return message


def _as_bytes(message: Message) -> bytes:
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False).flatten(message, linesep="\r\n")
    return out.getvalue()


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
            # SMTPUTF8 only for an address that needs it (as `send_message` decides).
            options = ["SMTPUTF8", "BODY=8BITMIME"] if not outgoing.address.isascii() else []
            self._client.sendmail(self.settings.sender, [outgoing.address], _as_bytes(message),
                                  mail_options=options)
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
