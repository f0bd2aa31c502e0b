"""A real SMTP server (aiosmtpd), a local HTTP server playing the SMS gateway, a family."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from deploy.cluster import free_ports
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.consent import ConsentState, ConsentSubject
from klassruk.models.notifications import Channel
from klassruk.models.school import GuardianLink
from klassruk.services.consent.recording import ConsentFact, record_consent
from klassruk.services.notifications import contacts
from klassruk.services.notifications.channels.email import SmtpSettings
from klassruk.services.notifications.channels.sms import SmsSettings
from klassruk.services.notifications.digests import LinkSettings
from klassruk.services.notifications.sender import SenderConfig, run_pass
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import JournalSchool, build_journal_school

SECRET = "test-link-secret-" + "x" * 32
APP_URL = "http://school.test"


class Inbox:
    """An aiosmtpd handler keeping every message it accepted."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[Inbox]:
    """A real SMTP server on localhost; `.messages` holds what it received, parsed."""
    inbox = Inbox(*free_ports())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@dataclass
class Gateway:
    """What the fake SMS gateway received, and how it answers."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    failing: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms/send"


@pytest.fixture
def sms_gateway() -> Iterator[Gateway]:
    """An HTTP server answering as SMS.ru does (form POST, JSON with a status per number)."""
    gateway = Gateway(*free_ports())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                fields = json.loads(body)
            else:
                fields = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
            gateway.requests.append(fields)
            if gateway.failing:
                self.send_response(503)
                self.end_headers()
                return
            to = fields.get("to", "")
            answer = {"status": "OK", "status_code": 100,
                      "sms": {to: {"status": "OK", "status_code": 100, "sms_id": "1"}}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", gateway.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    server.shutdown()
    server.server_close()


@pytest.fixture
def config(smtp_sink: Inbox, sms_gateway: Gateway) -> SenderConfig:
    """The sender pointed at the local SMTP server and SMS gateway, retrying without delay."""
    return SenderConfig(
        links=LinkSettings(app_url=APP_URL, secret=SECRET),
        smtp=SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none",
                          sender="school@school.test"),
        sms=SmsSettings(provider="smsru", url=sms_gateway.url, api_key="test-api-id"),
        max_attempts=3,
        backoff_s=0,
        per_minute={},
    )


def send(factory, config: SenderConfig, owner: str = "test-sender"):
    """One pass of the sender, as `python -m klassruk send --once` makes it."""
    return run_pass(factory, config, owner=owner)


def guardian_of(session, student_id: int) -> int:
    return session.scalar(
        select(GuardianLink.guardian_id).where(GuardianLink.student_id == student_id)
    )


def give_consent(
    session, school: JournalSchool, student_id: int, class_id: int, guardian_id: int | None = None
) -> None:
    """Both consents of the student's (first) guardian, recorded by the class teacher."""
    guardian = guardian_id or guardian_of(session, student_id)
    teacher = actor_of(session, "ct_a" if class_id == school.two.class_a else "ct_b")
    session.info["actor"] = teacher
    for subject, student in ((ConsentSubject.GUARDIAN_SELF, None),
                             (ConsentSubject.CHILD, student_id)):
        record_consent(session, teacher, class_id=class_id, on=TODAY, fact=ConsentFact(
            subject=subject, state=ConsentState.GIVEN, signed_on=TODAY, form_number="ПД-1",
            guardian_id=guardian, student_id=student,
        ))
    session.info["actor"] = SYSTEM


def confirm_address(factory, config, login: str, channel: Channel, address: str,
                    smtp_sink: Inbox, sms_gateway: Gateway) -> None:
    """The real flow: ask for a code, the sender delivers it, the user types it in."""
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        session.info["actor"] = actor
        contacts.request_verification(session, actor, channel=channel, address=address)
    send(factory, config)
    if channel is Channel.EMAIL:
        text = smtp_sink.messages.pop().get_body(("plain",)).get_content()
    else:
        text = sms_gateway.requests.pop()["msg"]
    code = text.split("Код подтверждения для уведомлений Классрука: ")[1][:6]
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        session.info["actor"] = actor
        contacts.confirm_contact(session, actor, channel=channel, code=code)


@pytest.fixture
def school(factory) -> JournalSchool:
    """The journal school, committed (the sender works in its own transactions)."""
    with unit_of_work(factory, SYSTEM) as session:
        return build_journal_school(session)


def user_id(session, login: str) -> int:
    return session.scalar(select(UserAccount.id).where(UserAccount.login == login))
