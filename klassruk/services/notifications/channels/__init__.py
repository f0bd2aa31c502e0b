"""Transports: e-mail over SMTP and SMS over an HTTP gateway."""

from __future__ import annotations

from dataclasses import dataclass


class DeliveryError(Exception):
    """A send failed; `permanent` ones are not retried (bad address, refused by the provider)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One message as a transport sends it."""

    address: str
    subject: str
    text: str
    html: str | None = None
    unsubscribe_url: str | None = None
