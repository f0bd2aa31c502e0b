"""Preferences, due times (digests, quiet hours), confirmed contacts and who is reachable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from klassruk.errors import DomainError, PermissionDenied
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.notifications import (
    Cadence,
    Channel,
    Notification,
    NotificationContact,
    NotificationPreference,
    Topic,
)
from klassruk.models.school import GuardianLink
from klassruk.services.notifications import contacts
from klassruk.services.notifications.gating import reachable
from klassruk.services.notifications.outbox import sender_status
from klassruk.services.notifications.preferences import (
    Preferences,
    due_at,
    my_preferences,
    save_preferences,
)
from tests.core.services.notifications.conftest import give_consent
from tests.factories import actor_of
from tests.frozen import TODAY
from tests.schools.journal_school import build_journal_school

MSK = "Europe/Moscow"


def _msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


@pytest.mark.parametrize(("now", "cadence", "expected"), [
    (_msk(1, 10), Cadence.IMMEDIATE, _msk(1, 10)),
    (_msk(1, 21, 30), Cadence.IMMEDIATE, _msk(2, 8)),  # quiet hours: next morning
    (_msk(2, 3), Cadence.IMMEDIATE, _msk(2, 8)),  # after midnight: the same morning
    (_msk(1, 10), Cadence.DAILY, _msk(1, 18)),
    (_msk(1, 18, 30), Cadence.DAILY, _msk(2, 18)),
    (_msk(1, 10), Cadence.WEEKLY, _msk(6, 18)),  # Tuesday → Sunday 18:00
    (_msk(6, 19), Cadence.WEEKLY, _msk(13, 18)),
])
def test_when_an_item_may_go_out(now, cadence, expected):
    assert due_at(Preferences(), cadence, now=now, timezone=MSK) == expected


def test_a_digest_hour_inside_quiet_hours_waits_for_the_morning_but_urgent_does_not():
    late = Preferences(digest_hour=22)
    assert due_at(late, Cadence.DAILY, now=_msk(1, 10), timezone=MSK) == _msk(2, 8)
    assert due_at(late, Cadence.DAILY, now=_msk(1, 23), timezone=MSK, urgent=True) == _msk(1, 23)
    # The school's zone decides: 21:30 in Vladivostok is quiet there, not in Moscow.
    vladivostok = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    assert due_at(Preferences(), Cadence.IMMEDIATE, now=vladivostok,
                  timezone="Asia/Vladivostok") == datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def test_defaults_saving_and_refusals(session):
    build_journal_school(session)
    parent = actor_of(session, "parent_a")
    assert my_preferences(session, parent) == Preferences()
    chosen = Preferences(email=False, sms=True, muted_topics=frozenset({Topic.HOMEWORK}),
                         cadence=Cadence.WEEKLY, digest_hour=19, quiet_from=22, quiet_to=7)
    save_preferences(session, parent, preferences=chosen)
    assert my_preferences(session, parent) == chosen
    with pytest.raises(DomainError, match="час от 0 до 23"):
        save_preferences(session, parent, preferences=Preferences(digest_hour=24))
    assert my_preferences(session, parent) == chosen
    for staff in ("teacher_a", "ct_a", "admin"):
        with pytest.raises(PermissionDenied):
            save_preferences(session, actor_of(session, staff), preferences=Preferences())
    assert session.scalar(select(func.count()).select_from(NotificationPreference)) == 1


def test_contacts_are_validated_normalised_and_confirmed_by_code(session):
    build_journal_school(session)
    parent = actor_of(session, "parent_a")
    for channel, bad in ((Channel.EMAIL, "not-an-address"), (Channel.SMS, "12345")):
        with pytest.raises(DomainError):
            contacts.request_verification(session, parent, channel=channel, address=bad)
    assert session.scalar(select(func.count()).select_from(NotificationContact)) == 0
    contact = contacts.request_verification(session, parent, channel=Channel.SMS,
                                            address="8 (916) 123-45-67")
    assert contact.address == "+79161234567" and contact.verified_at is None
    (code_message,) = session.scalars(select(Notification)).all()
    code = code_message.body_text.split(": ")[1][:6]
    with pytest.raises(DomainError, match="Код не подошёл"):
        contacts.confirm_contact(session, parent, channel=Channel.SMS, code="000000"
                                 if code != "000000" else "111111")
    contacts.confirm_contact(session, parent, channel=Channel.SMS, code=code)
    assert contacts.verified_addresses(session, [parent.user_id]) == {
        (parent.user_id, Channel.SMS): "+79161234567"
    }
    with pytest.raises(DomainError, match="Сначала укажите адрес"):
        contacts.confirm_contact(session, parent, channel=Channel.SMS, code=code)


def test_a_code_expires_and_wrong_guesses_run_out(session, frozen_clock):
    build_journal_school(session)
    parent = actor_of(session, "parent_a")
    contacts.request_verification(session, parent, channel=Channel.EMAIL, address="a@b.ru")
    for _ in range(contacts.MAX_CODE_ATTEMPTS):
        with pytest.raises(DomainError, match="Код не подошёл"):
            contacts.confirm_contact(session, parent, channel=Channel.EMAIL, code="abc")
    with pytest.raises(DomainError, match="больше не действует"):
        contacts.confirm_contact(session, parent, channel=Channel.EMAIL, code="abc")
    contacts.request_verification(session, parent, channel=Channel.EMAIL, address="a@b.ru")
    frozen_clock.shift(timedelta(minutes=31))
    with pytest.raises(DomainError, match="больше не действует"):
        contacts.confirm_contact(session, parent, channel=Channel.EMAIL, code="123456")


def test_reachable_follows_consent_account_state_and_links_in_force(session):
    school = build_journal_school(session)
    a = school.two.student_a
    assert reachable(session, [a], on=TODAY) == []
    give_consent(session, school, a, school.two.class_a)
    found = {(r.user_id, r.guardian_id is None) for r in reachable(session, [a], on=TODAY)}
    parent, pupil = actor_of(session, "parent_a"), actor_of(session, "pupil_a")
    assert found == {(parent.user_id, False), (pupil.user_id, True)}
    session.get(UserAccount, pupil.user_id).status = AccountStatus.BLOCKED
    link = session.scalar(select(GuardianLink).where(GuardianLink.student_id == a))
    link.ends_on = TODAY
    session.flush()
    assert reachable(session, [a], on=TODAY) == []
    assert len(reachable(session, [a], on=date(2026, 11, 29))) == 1  # the link was in force


def test_only_the_admin_sees_the_senders_health(session):
    build_journal_school(session)
    assert sender_status(session, actor_of(session, "admin")).events_waiting == 0
    for login in ("zavuch", "ct_a", "parent_a"):
        with pytest.raises(PermissionDenied):
            sender_status(session, actor_of(session, login))
