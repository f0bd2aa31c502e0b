"""AppTest: the class teacher messages the class, the demo parent acknowledges in the cabinet,
the class teacher sees it per family; a link from an e-mail works without a login, once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from components.kit.runtime import settings
from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.notifications import (
    ClassMessageRecipient,
    LinkPurpose,
    NotificationPreference,
)
from klassruk.models.school import Enrolment, GuardianLink, SchoolClass, Staff
from klassruk.services.notifications.links import make_link
from tests.factories import SYSTEM
from tests.pages.conftest import open_app


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _demo_child_in_class(factory) -> int:
    """The demo parent's child who is in the demo class teacher's class."""
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        teacher = select(UserAccount.staff_id).where(UserAccount.login == "klassruk")
        classes = select(SchoolClass.id).join(Staff, Staff.id == SchoolClass.class_teacher_id)
        classes = classes.where(Staff.id.in_(teacher))
        guardian = select(UserAccount.guardian_id).where(UserAccount.login == "roditel")
        return session.scalar(
            select(GuardianLink.student_id)
            .join(Enrolment, Enrolment.student_id == GuardianLink.student_id)
            .where(GuardianLink.guardian_id.in_(guardian), Enrolment.class_id.in_(classes))
        )


def test_a_message_asking_for_acknowledgement_is_acknowledged_in_the_cabinet(
    logged_in, factory
):
    at = logged_in("klassruk").switch_page("app_pages/class_messages.py").run()
    assert not at.exception
    at.text_input[0].input("Экскурсия в музей")
    at.text_area[0].input("В пятницу экскурсия, сбор в 9:00 у школы.")
    at.checkbox[0].check()
    at = _button(at, "Отправить").click().run()
    at = at.button(key="message_send_yes").click().run()
    assert not at.exception
    assert "Сообщение «Экскурсия в музей» отправлено." in [s.value for s in at.success]

    child = _demo_child_in_class(factory)
    at = logged_in("roditel")
    assert "Новых сообщений школы: 1 — на странице «Уведомления»." in [i.value for i in at.info]
    at = at.switch_page("app_pages/notifications.py").run()
    assert not at.exception
    picker = at.radio[0]
    if picker.value != child:
        at = picker.set_value(child).run()
    assert "В пятницу экскурсия, сбор в 9:00 у школы." in [t.value for t in at.text]
    at = _button(at, "Ознакомлен(а)").click().run()
    assert "Ознакомление подтверждено." in [s.value for s in at.success]
    assert any(c.value.startswith("Ознакомлен(а): ") for c in at.caption)
    assert not [i for i in at.switch_page("app_pages/home.py").run().info
                if "Новых сообщений" in i.value]

    at = logged_in("klassruk").switch_page("app_pages/class_messages.py").run()
    acknowledged = at.dataframe[1].value["Ознакомлен(а)"].dropna()
    assert len(acknowledged) == 1 and acknowledged.iloc[0].endswith("в электронном дневнике")
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        read = session.scalar(select(ClassMessageRecipient.read_at).where(
            ClassMessageRecipient.student_id == child,
            ClassMessageRecipient.guardian_id.in_(
                select(UserAccount.guardian_id).where(UserAccount.login == "roditel"))))
        assert read is not None


def test_an_unsubscribe_link_opens_only_its_page_without_login_and_works_once(
    demo_app, factory
):
    with unit_of_work(factory, SYSTEM) as session:
        parent = session.scalar(select(UserAccount.id).where(UserAccount.login == "roditel"))
        url = make_link(session, purpose=LinkPurpose.UNSUBSCRIBE, user_id=parent,
                        secret=settings().cookie_key, app_url="http://school.test",
                        now=utcnow())
    token = parse_qs(urlparse(url).query)["link"][0]
    at = open_app()
    at.query_params["link"] = token
    at.run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["Вы отписались от писем"]
    assert not at.text_input  # no login form, nothing else
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        assert session.get(NotificationPreference, parent).email is False
    again = open_app()
    again.query_params["link"] = token
    again.run()
    assert [e.value for e in again.error] == [
        "Эта ссылка уже использована: повторно она ничего не меняет."
    ]
    forged = open_app()
    forged.query_params["link"] = token[:-3] + "xyz"
    forged.run()
    assert "Ссылка повреждена" in forged.error[0].value
