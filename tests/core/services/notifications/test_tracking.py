"""Paper families' messages: printed on their next extract, once."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from klassruk.infra.db import unit_of_work
from klassruk.models.notifications import ClassMessage
from klassruk.pdf.extracts import render_extracts
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.notifications import tracking
from tests.core.services.notifications.test_messages import _four_families, _send_message
from tests.factories import SYSTEM, actor_of
from tests.frozen import TODAY


def test_paper_families_get_the_message_on_their_next_extract_once(
    factory, config, school, smtp_sink, sms_gateway
):
    third = _four_families(factory, config, school, smtp_sink, sms_gateway)
    _send_message(factory, school)
    with unit_of_work(factory, SYSTEM) as session:
        teacher = actor_of(session, "ct_a")
        session.info["actor"] = teacher
        paper = actor_of(session, "parent_paper").guardian_id
        family = [Family(guardian_id=paper, student_id=third.id)]
        (first,) = print_extracts(session, teacher, class_id=school.two.class_a, on=TODAY,
                                  date_from=TODAY - timedelta(days=6), date_to=TODAY,
                                  families=family)
        (second,) = print_extracts(session, teacher, class_id=school.two.class_a, on=TODAY,
                                   date_from=TODAY - timedelta(days=6), date_to=TODAY,
                                   families=family)
    assert [(m.subject, m.text) for m in first.messages] == [
        ("Родительское собрание", "Собрание в четверг в 18:00, каб. 21.")
    ]
    assert second.messages == []
    pdf = render_extracts([first], school_name="Школа", timezone="Europe/Moscow")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Сообщения классного руководителя" in " ".join(text.split())
    assert "Родительское собрание — Собрание в четверг" in " ".join(text.split())
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        families = tracking.message_families(session, actor_of(session, "ct_a"),
                                             message_id=session.scalar(select(ClassMessage.id)))
        assert [f.printed_at is not None for f in families if f.paper] == [True]
