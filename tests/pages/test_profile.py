"""AppTest: the profile's second factor — enrolment with a confirming code, shown once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from klassruk.models import AuditLog
from klassruk.models.accounts import UserAccount
from tests.pages.second_factor_steps import enrol_on_page


def test_teacher_enrols_and_sees_the_recovery_codes_once(logged_in, factory):
    teacher = logged_in("uchitel")
    teacher.switch_page("app_pages/profile.py").run()
    assert any(h.value == "Второй фактор" for h in teacher.subheader)
    next(b for b in teacher.button if b.label == "Подключить второй фактор").click().run()
    teacher.text_input(key="totp_code").input("000000")
    next(b for b in teacher.button if b.label == "Подключить").click().run()
    assert any("Код не подошёл" in e.value for e in teacher.error)
    with factory() as session:
        assert session.scalar(
            select(UserAccount.totp_secret).where(UserAccount.login == "uchitel")
        ) is None

    secret, codes = enrol_on_page(teacher)
    assert len(codes) == 10
    assert any("Сохраните резервные коды" in w.value for w in teacher.warning)
    next(b for b in teacher.button if b.label.startswith("Я сохранил")).click().run()
    teacher.switch_page("app_pages/profile.py").run()
    assert not teacher.exception
    assert not [c for c in teacher.code if codes[0] in c.value or secret in c.value]
    assert any("резервных кодов: 10" in m.value for m in teacher.markdown)
    with factory() as session:
        assert session.scalar(
            select(UserAccount.totp_secret).where(UserAccount.login == "uchitel")
        ) == secret
        logged = str(session.scalars(select(AuditLog.changes)).all())
    assert secret not in logged


@pytest.mark.parametrize("login", ["roditel", "uchenik"])
def test_families_are_not_offered_a_second_factor(logged_in, login):
    family = logged_in(login)
    family.switch_page("app_pages/profile.py").run()
    assert not family.exception
    assert not [h for h in family.subheader if h.value == "Второй фактор"]


@pytest.mark.parametrize(
    ("login", "line"),
    [
        ("roditel", "Роль: Родитель (законный представитель)"),
        ("klassruk", "Роли: Классный руководитель, Учитель"),
    ],
)
def test_profile_names_one_role_in_the_singular(logged_in, login, line):
    user = logged_in(login)
    user.switch_page("app_pages/profile.py").run()
    assert line in [m.value for m in user.markdown]
