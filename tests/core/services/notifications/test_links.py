"""Unsubscribe and «Ознакомлен(а)» links: work once; forged, expired, reused fail clearly."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from klassruk.infra.db import unit_of_work
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.notifications import Cadence, NotificationPreference
from klassruk.services.acknowledgements.state import week_status
from klassruk.services.notifications.links import EXPIRED, FORGED, USED, LinkError, use_link
from tests.concurrency import run_together
from tests.core.services.notifications.conftest import SECRET, send, user_id
from tests.core.services.notifications.test_sender import _family, _grades, _moscow, _text
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["link"][0]


def _use(factory, token):
    with unit_of_work(factory, SYSTEM) as session:
        return use_link(session, token=token, secret=SECRET)


def _links(message) -> dict[str, str]:
    found = {}
    for line in _text(message).splitlines():
        match = re.match(r"(.+): (http://school\.test/\?link=\S+)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def _one_email(factory, config, school, smtp_sink, sms_gateway):
    _family(factory, config, school, smtp_sink, sms_gateway)
    _grades(factory, school, {(school.two.student_a, school.lessons[0]): "5"})
    send(factory, config)
    (message,) = smtp_sink.messages
    return message


def test_the_unsubscribe_link_works_once_and_then_says_it_was_used(
    factory, config, school, smtp_sink, sms_gateway
):
    message = _one_email(factory, config, school, smtp_sink, sms_gateway)
    token = _token(message["List-Unsubscribe"][1:-1])
    outcome = _use(factory, token)
    assert outcome.title == "Вы отписались от писем"
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.get(NotificationPreference, user_id(session, "parent_a")).email is False
    with pytest.raises(LinkError, match=USED):
        _use(factory, token)
    # Nothing more is e-mailed after unsubscribing.
    _grades(factory, school, {(school.two.student_a, school.lessons[1]): "4"})
    send(factory, config)
    assert len(smtp_sink.messages) == 1


@pytest.mark.parametrize("tamper", ["signature", "expiry", "identifier", "garbage"])
def test_a_forged_link_changes_nothing(factory, config, school, smtp_sink, sms_gateway, tamper):
    message = _one_email(factory, config, school, smtp_sink, sms_gateway)
    link_id, expires, signature = _token(message["List-Unsubscribe"][1:-1]).split(".")
    forged = {
        "signature": f"{link_id}.{expires}.{signature[:-1]}{'B' if signature[-1] == 'A' else 'A'}",
        "expiry": f"{link_id}.{int(expires) + 86400 * 365}.{signature}",
        "identifier": f"{'0' * 32}.{expires}.{signature}",
        "garbage": "не ссылка",
    }[tamper]
    with pytest.raises(LinkError, match=FORGED):
        _use(factory, forged)
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.get(NotificationPreference, user_id(session, "parent_a")).email is True


def test_an_expired_link_changes_nothing(
    factory, config, school, smtp_sink, sms_gateway, frozen_clock
):
    message = _one_email(factory, config, school, smtp_sink, sms_gateway)
    frozen_clock.shift(timedelta(days=61))
    with pytest.raises(LinkError, match=EXPIRED):
        _use(factory, _token(message["List-Unsubscribe"][1:-1]))


def test_the_weekly_digest_acknowledges_the_week_by_link_once(
    factory, config, school, smtp_sink, sms_gateway, frozen_clock
):
    _family(factory, config, school, smtp_sink, sms_gateway, cadence=Cadence.WEEKLY)
    lesson = school.lessons[0]
    _grades(factory, school, {(school.two.student_a, lesson): "5"})
    frozen_clock.move_to(_moscow(6, 17, 59, month=12))  # Sunday, before the digest hour
    assert send(factory, config).sent == 0
    frozen_clock.move_to(_moscow(6, 18, 0, month=12) + timedelta(seconds=1))
    assert send(factory, config).sent == 1
    (message,) = smtp_sink.messages
    assert message["Subject"] == "Сводка за неделю с 30.11.2026: Орлов Пётр"
    links = _links(message)
    url = links["Ознакомлен(а) с неделей — Орлов Пётр"]
    outcome = _use(factory, _token(url))
    assert outcome.title == "Ознакомление подтверждено"
    assert "Орлов Пётр: неделя с 30.11.2026" in outcome.detail
    with pytest.raises(LinkError, match=USED):
        _use(factory, _token(url))  # forwarded or clicked again: nothing more
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        (ack,) = session.scalars(select(Acknowledgement)).all()
        assert (ack.kind, ack.channel) == (AckKind.WEEK, AckChannel.EMAIL_LINK)
        assert ack.week_start == TODAY
        assert ack.user_id == user_id(session, "parent_a")
        # The cabinet's week view reads the same ledger.
        parent = actor_of(session, "parent_a")
        status = week_status(session, parent, student_id=school.two.student_a,
                             week_start=TODAY, on=TODAY + timedelta(days=6))
        assert status.state.acknowledged and status.state.channel is AckChannel.EMAIL_LINK


def test_a_link_clicked_twice_at_the_same_moment_works_once(
    factory, config, school, smtp_sink, sms_gateway
):
    message = _one_email(factory, config, school, smtp_sink, sms_gateway)
    token = _token(message["List-Unsubscribe"][1:-1])

    def click(session, _seen):
        return use_link(session, token=token, secret=SECRET).title

    results = run_together(factory, [(SYSTEM, lambda session: None, click)] * 2)
    assert sorted(map(str, results)) == sorted([USED, "Вы отписались от писем"])
