"""SMS over HTTP: SMS.ru's documented API, or a generic JSON webhook (chosen by settings)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from klassruk.services.notifications.channels import DeliveryError, Outgoing

SMSRU_URL = "https://sms.ru/sms/send"
PROVIDERS = ("smsru", "webhook")


@dataclass(frozen=True)
class SmsSettings:
    """Which gateway, where, and its credential."""

    provider: str = "smsru"
    url: str = SMSRU_URL
    api_key: str = ""
    sender: str = ""
    timeout_s: float = 20.0


def _post(url: str, data: bytes, headers: dict[str, str], timeout: float) -> Any:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"шлюз SMS ответил HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DeliveryError(f"шлюз SMS недоступен: {error}"[:300]) from None
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise DeliveryError("шлюз SMS вернул не JSON") from None


def _send_smsru(settings: SmsSettings, outgoing: Outgoing) -> None:
    # https://sms.ru/api/send: api_id, to (digits), msg, json=1; per-number status in "sms".
    to = outgoing.address.lstrip("+")
    fields = {"api_id": settings.api_key, "to": to, "msg": outgoing.text, "json": "1"}
    if settings.sender:
        fields["from"] = settings.sender
    answer = _post(
        settings.url, urllib.parse.urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"}, settings.timeout_s,
    )
    if answer.get("status") != "OK":
        reason = answer.get("status_text") or f"код {answer.get('status_code')}"
        raise DeliveryError(f"SMS.ru: {reason}")
    result = (answer.get("sms") or {}).get(to) or {}
    if result.get("status") != "OK":
        reason = result.get("status_text") or f"код {result.get('status_code')}"
        raise DeliveryError(f"SMS.ru: {reason}", permanent=True)


def _send_webhook(settings: SmsSettings, outgoing: Outgoing) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    payload = {"to": outgoing.address, "text": outgoing.text, "sender": settings.sender}
    _post(settings.url, json.dumps(payload, ensure_ascii=False).encode(), headers,
          settings.timeout_s)


class SmsTransport:
    """Sends SMS through the configured gateway (one HTTP request each)."""

    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings

    def send(self, outgoing: Outgoing) -> None:
        """Send one SMS."""
        if self.settings.provider == "smsru":
            _send_smsru(self.settings, outgoing)
        elif self.settings.provider == "webhook":
            _send_webhook(self.settings, outgoing)
        else:
            raise DeliveryError(f"неизвестный шлюз SMS «{self.settings.provider}»", permanent=True)

    def close(self) -> None:
        """Nothing is kept open between messages."""
