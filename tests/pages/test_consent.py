"""AppTest: the consent page — ending a guardian's link to a child."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models import AuditLog
from klassruk.models.school import GuardianLink
from tests.frozen import TODAY


def test_class_teacher_ends_a_link_with_a_reason(logged_in, factory):
    at = logged_in("klassruk")
    at.switch_page("app_pages/consent.py").run()
    assert not at.exception
    pair = at.selectbox(key="link_end_pair")
    pair.set_value(pair.options[0])
    at.button(key="link_end").click().run()
    assert at.error and "причину" in at.error[0].value
    at.text_input(key="link_end_reason").input("заявление родителя")
    at.button(key="link_end").click().run()
    assert not at.exception
    assert "Связь прекращена" in at.success[0].value
    with factory() as session:
        ended = session.scalars(select(GuardianLink).where(GuardianLink.ends_on.is_not(None)))
        assert [link.ends_on for link in ended] == [TODAY]
        reasons = session.scalars(
            select(AuditLog.reason).where(AuditLog.entity == "guardian_link")
        ).all()
        assert reasons == ["Прекращение связи с ребёнком: заявление родителя"]


def test_deputy_head_may_not_end_links(logged_in):
    at = logged_in("zavuch")
    at.switch_page("app_pages/consent.py").run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "link_end"]
