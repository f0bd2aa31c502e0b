"""Two sender processes at once send each message exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from klassruk.infra.db import unit_of_work
from klassruk.infra.settings import PROJECT_ROOT
from klassruk.models.notifications import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationKind,
    SenderHeartbeat,
)
from tests.core.services.notifications.conftest import user_id
from tests.factories import SYSTEM

MESSAGES = 200
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def test_two_sender_processes_send_each_message_exactly_once(
    factory, database_url, school, smtp_sink
):
    with unit_of_work(factory, SYSTEM) as session:
        parent = user_id(session, "parent_a")
        session.execute(insert(Notification), [
            {"user_id": parent, "channel": Channel.EMAIL, "kind": NotificationKind.VERIFICATION,
             "address": "parent@school.test", "subject": f"Сообщение № {n}",
             "body_text": f"текст {n}", "created_at": LONG_AGO, "next_attempt_at": LONG_AGO}
            for n in range(MESSAGES)
        ])
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        KLASSRUK_COOKIE_KEY="k" * 48,
        KLASSRUK_SMTP_HOST="127.0.0.1",
        KLASSRUK_SMTP_PORT=str(smtp_sink.port),
        KLASSRUK_SMTP_SECURITY="none",
        KLASSRUK_EMAIL_PER_MINUTE="0",
    )
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "klassruk", "send", "--once"], cwd=PROJECT_ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0], outputs
    subjects = Counter(str(message["Subject"]) for message in smtp_sink.messages)
    assert len(subjects) == MESSAGES and set(subjects.values()) == {1}
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        statuses = dict(session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)).all())
        assert statuses == {DeliveryStatus.SENT: MESSAGES}
        beats = session.scalars(select(SenderHeartbeat)).all()
        assert len(beats) == 2 and sum(b.sent for b in beats) == MESSAGES
        assert all("отправлено" in out for out, _ in outputs)
