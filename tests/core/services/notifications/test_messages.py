"""Class teacher's messages: web, e-mail, SMS and paper families; acknowledgements per family."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from klassruk.access.permissions import Role
from klassruk.errors import DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.models.families import AckChannel, AckKind, Acknowledgement
from klassruk.models.notifications import (
    Cadence,
    Channel,
    DeliveryStatus,
    MessageAudience,
)
from klassruk.models.school import (
    Enrolment,
    GroupMembership,
    Guardian,
    GuardianLink,
    Relation,
    SchoolYear,
    Student,
)
from klassruk.services.notifications import inbox, messages, tracking
from klassruk.services.notifications.links import USED, LinkError, use_link
from klassruk.services.notifications.messages import Audience
from klassruk.services.notifications.preferences import Preferences, save_preferences
from tests.core.services.notifications.conftest import (
    SECRET,
    confirm_address,
    give_consent,
    send,
)
from tests.core.services.notifications.test_links import _links, _token
from tests.factories import SYSTEM, actor_of, make_account
from tests.frozen import TODAY


def _family_of(session, school, login, student_id, last_name):
    guardian = Guardian(last_name=last_name, first_name="Ирина")
    session.add(guardian)
    session.flush()
    session.add(GuardianLink(guardian_id=guardian.id, student_id=student_id,
                             relation=Relation.MOTHER))
    make_account(session, login, {Role.GUARDIAN}, guardian_id=guardian.id)
    session.flush()


def _four_families(factory, config, school, smtp_sink, sms_gateway):
    """parent_a by e-mail, parent_sms by SMS, parent_web in the cabinet only, parent_paper."""
    with unit_of_work(factory, SYSTEM) as session:
        year = session.scalar(select(SchoolYear))
        third = Student(last_name="Смирнов", first_name="Глеб")
        session.add(third)
        session.flush()
        session.add_all([
            Enrolment(student_id=third.id, class_id=school.two.class_a, starts_on=year.starts_on),
            GroupMembership(group_id=school.two.group_a, student_id=third.id,
                            starts_on=year.starts_on),
        ])
        _family_of(session, school, "parent_sms", school.student_a2, "Белова")
        _family_of(session, school, "parent_web", third.id, "Смирнова")
        _family_of(session, school, "parent_paper", third.id, "Смирнов")
        for student_id in (school.two.student_a, school.student_a2):
            give_consent(session, school, student_id, school.two.class_a)
        session.flush()
        web = actor_of(session, "parent_web").guardian_id
        give_consent(session, school, third.id, school.two.class_a, guardian_id=web)
    confirm_address(factory, config, "parent_a", Channel.EMAIL, "elena@example.ru", smtp_sink,
                    sms_gateway)
    confirm_address(factory, config, "parent_sms", Channel.SMS, "+79161112233", smtp_sink,
                    sms_gateway)
    for login, prefs in (("parent_a", Preferences(cadence=Cadence.DAILY)),
                         ("parent_sms", Preferences(email=False, sms=True))):
        with unit_of_work(factory, SYSTEM) as session:
            actor = actor_of(session, login)
            session.info["actor"] = actor
            save_preferences(session, actor, preferences=prefs)
    return third


def _send_message(factory, school, login="ct_a", **audience):
    with unit_of_work(factory, SYSTEM) as session:
        actor = actor_of(session, login)
        session.info["actor"] = actor
        message = messages.send_message(
            session, actor,
            audience=Audience(audience.pop("kind", MessageAudience.CLASS),
                              class_id=audience.pop("class_id", school.two.class_a), **audience),
            title="Родительское собрание", body="Собрание в четверг в 18:00, каб. 21.",
            asks_acknowledgement=True, on=TODAY,
        )
        return message.id


def test_a_message_reaches_web_email_sms_and_paper_families_and_acknowledgements_show(
    factory, config, school, smtp_sink, sms_gateway
):
    third = _four_families(factory, config, school, smtp_sink, sms_gateway)
    message_id = _send_message(factory, school)
    result = send(factory, config)
    assert result.sent == 2  # immediately, whatever the digest setting: one e-mail, one SMS
    (mail,) = smtp_sink.messages
    assert mail["Subject"] == "Родительское собрание — сообщение школы"
    assert "Собрание в четверг в 18:00, каб. 21." in mail.get_body(("plain",)).get_content()
    (sms,) = sms_gateway.requests
    assert sms["to"] == "79161112233" and "Родительское собрание" in sms["msg"]
    # The e-mail family acknowledges by the link, once.
    url = _links(mail)["Ознакомлен(а) — Орлов Пётр"]
    with unit_of_work(factory, SYSTEM) as session:
        assert "Родительское собрание" in use_link(session, token=_token(url),
                                                   secret=SECRET).detail
    with pytest.raises(LinkError, match=USED), unit_of_work(factory, SYSTEM) as session:
        use_link(session, token=_token(url), secret=SECRET)
    # The web family sees it in the cabinet and acknowledges there.
    with unit_of_work(factory, SYSTEM) as session:
        web = actor_of(session, "parent_web")
        session.info["actor"] = web
        (row,) = inbox.family_messages(session, web, student_id=third.id, on=TODAY)
        assert (row.title, row.acknowledged_at) == ("Родительское собрание", None)
        inbox.acknowledge_message(session, web, message_id=message_id, student_id=third.id,
                                  on=TODAY)
        (row,) = inbox.family_messages(session, web, student_id=third.id, on=TODAY)
        assert row.acknowledged_at is not None
    # The paper family's message waits for the next extract.
    with unit_of_work(factory, SYSTEM) as session:
        paper = actor_of(session, "parent_paper").guardian_id
        (printed,) = tracking.paper_messages(session, guardian_id=paper, student_ids=[third.id])
        assert printed[1].id == message_id
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        teacher = actor_of(session, "ct_a")
        families = {f.guardian.split()[0]: f
                    for f in tracking.message_families(session, teacher, message_id=message_id)}
        (sent,) = tracking.sent_messages(session, teacher)
    assert set(families) == {"Орлова", "Белова", "Смирнова", "Смирнов"}
    orlova, belova, web_family, paper_family = (families[n] for n in
                                                ("Орлова", "Белова", "Смирнова", "Смирнов"))
    assert orlova.deliveries == {Channel.EMAIL: (DeliveryStatus.SENT, None)}
    assert orlova.acknowledged_via is AckChannel.EMAIL_LINK and orlova.read_at is not None
    assert belova.deliveries == {Channel.SMS: (DeliveryStatus.SENT, None)}
    assert belova.acknowledged_at is None
    assert web_family.acknowledged_via is AckChannel.WEB and web_family.deliveries == {}
    assert paper_family.paper and not web_family.paper and paper_family.deliveries == {}
    assert (sent.families, sent.paper, sent.read, sent.acknowledged) == (4, 1, 2, 2)
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        kinds = {a.kind for a in session.scalars(select(Acknowledgement))}
        assert kinds == {AckKind.MESSAGE}


def test_the_reach_before_sending_is_what_the_sender_then_sends(
    factory, config, school, smtp_sink, sms_gateway
):
    _four_families(factory, config, school, smtp_sink, sms_gateway)
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        teacher = actor_of(session, "ct_a")
        reach = messages.message_reach(
            session, teacher, audience=Audience(MessageAudience.CLASS, class_id=school.two.class_a),
            title="Родительское собрание", body="Собрание в четверг.", on=TODAY,
        )
        with pytest.raises(DomainError, match="тему и текст"):
            messages.message_reach(
                session, teacher,
                audience=Audience(MessageAudience.CLASS, class_id=school.two.class_a),
                title=" ", body="Собрание в четверг.", on=TODAY,
            )
        with pytest.raises(PermissionDenied):
            messages.message_reach(session, teacher, audience=Audience(MessageAudience.SCHOOL),
                                   title="Собрание", body="В четверг.", on=TODAY)
    # Four families: e-mail, SMS, the cabinet only, paper.
    assert reach == messages.Reach(families=4, paper=1, emails=1, sms=1)
    _send_message(factory, school)
    result = send(factory, config)
    assert result.sent == reach.emails + reach.sms
    assert (len(smtp_sink.messages), len(sms_gateway.requests)) == (reach.emails, reach.sms)


def test_only_families_that_have_not_acknowledged_the_week(
    factory, config, school, smtp_sink, sms_gateway
):
    _four_families(factory, config, school, smtp_sink, sms_gateway)
    with unit_of_work(factory, SYSTEM) as session:
        parent = actor_of(session, "parent_a")
        session.add(Acknowledgement(
            guardian_id=parent.guardian_id, student_id=school.two.student_a, kind=AckKind.WEEK,
            week_start=TODAY - timedelta(days=7), shown={}, digest="x", channel=AckChannel.WEB,
            user_id=parent.user_id,
        ))
    message_id = _send_message(factory, school, not_acknowledged_week=TODAY - timedelta(days=3))
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        families = tracking.message_families(session, actor_of(session, "ct_a"),
                                             message_id=message_id)
    assert "Орлова Ирина" not in {f.guardian for f in families}
    assert len(families) == 3


def test_who_may_message_whom(factory, config, school, smtp_sink, sms_gateway):
    _four_families(factory, config, school, smtp_sink, sms_gateway)
    for login, audience in (("ct_b", {}), ("teacher_a", {}),
                            ("ct_a", {"kind": MessageAudience.SCHOOL, "class_id": None})):
        with pytest.raises(PermissionDenied):
            _send_message(factory, school, login, **audience)
    message_id = _send_message(factory, school, "zavuch", kind=MessageAudience.GRADE,
                               class_id=None, grade=7)
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert len(tracking.message_families(session, actor_of(session, "zavuch"),
                                             message_id=message_id)) == 4
        with pytest.raises(PermissionDenied):
            tracking.message_families(session, actor_of(session, "ct_b"), message_id=message_id)
