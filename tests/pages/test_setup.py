"""AppTest: the first-run setup asks for the address users type and checks it."""

from __future__ import annotations

from sqlalchemy import func, select

from klassruk.models import AppSetting, UserAccount
from klassruk.setup import read_school_settings
from tests.pages.conftest import open_app

ADDRESS_LABEL = "Адрес Классрука для пользователей"


def _fill(at, address: str):
    fields = {t.label: t for t in at.text_input}
    fields["Полное название образовательной организации"].input("МБОУ «СОШ № 1»")
    fields[ADDRESS_LABEL].input(address)
    fields["Фамилия администратора"].input("Смирнов")
    fields["Имя"].input("Олег")
    fields["Логин администратора"].input("smirnov")
    fields["Пароль"].input("Сложный пароль 42")
    fields["Пароль ещё раз"].input("Сложный пароль 42")
    next(b for b in at.button if b.label == "Создать администратора").click()
    return at.run()


def test_setup_offers_both_ways_in_russian_with_the_address_prefilled(app_env):
    at = open_app().run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Демо-школа", "Своя школа"]
    address = next(t for t in at.text_input if t.label == ADDRESS_LABEL)
    assert address.value.startswith("http")


def test_setup_with_a_bad_address_shows_a_message_and_changes_nothing(app_env, factory):
    at = _fill(open_app().run(), "school1.ru")
    assert not at.exception
    assert at.error[0].value.startswith("Адрес должен начинаться с http")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 0
        assert session.scalar(select(func.count()).select_from(AppSetting)) == 0


def test_setup_stores_the_address(app_env, factory):
    at = _fill(open_app().run(), "https://klassruk.school1.example/")
    assert not at.exception
    assert any(t.key == "login_login" for t in at.text_input)
    with factory() as session:
        assert read_school_settings(session).app_url == "https://klassruk.school1.example"
