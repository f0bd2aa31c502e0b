"""AppTest: the first-run setup: a demo or a real school, its address checked, its first admin."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from klassruk.models.accounts import AppSetting, UserAccount
from klassruk.services.accounts.login import find_user_by_login
from klassruk.services.school_settings import read_school_settings
from tests.pages.conftest import login, open_app

ADDRESS_LABEL = "Адрес Классрука для пользователей"
PASSWORD = "Сложный пароль 42"


def _fill(at, *, address: str | None = None, password: str = PASSWORD):
    """Fill the real school's form (the address as pre-filled unless given) and submit it."""
    fields = {t.label: t for t in at.text_input}
    fields["Полное название образовательной организации"].input("МБОУ «СОШ № 1»")
    if address is not None:
        fields[ADDRESS_LABEL].input(address)
    fields["Фамилия администратора"].input("Смирнов")
    fields["Имя"].input("Олег")
    fields["Логин администратора"].input("smirnov")
    fields["Пароль"].input(password)
    fields["Пароль ещё раз"].input(password)
    next(b for b in at.button if b.label == "Создать администратора").click()
    return at.run()


def _nothing_stored(factory) -> bool:
    with factory() as session:
        users = session.scalar(select(func.count()).select_from(UserAccount))
        settings = session.scalar(select(func.count()).select_from(AppSetting))
    return users == 0 and settings == 0


def test_empty_database_offers_both_ways_in_russian_with_the_address_prefilled(app_env, engine):
    at = open_app().run()
    assert not at.exception
    assert "первый запуск" in at.title[0].value.lower()
    assert [tab.label for tab in at.tabs] == ["Демо-школа", "Своя школа"]
    assert any(b.label == "Создать демо-школу" for b in at.button)
    address = next(t for t in at.text_input if t.label == ADDRESS_LABEL)
    assert address.value.startswith("http")
    # Outside a browser the pre-filled address is the deployment's default, this computer's.
    assert "localhost" in address.value
    assert any("адрес самого сервера" in w.value for w in at.warning)


def test_setup_creates_an_admin_who_can_log_in(app_env, engine):
    at = _fill(open_app().run())
    assert not at.exception
    assert any(t.key == "login_login" for t in at.text_input)
    # Outside demo mode the login page never lists accounts.
    assert "Демо-школа" not in [s.value for s in at.subheader]
    login(at, "smirnov", PASSWORD)
    assert not at.exception
    assert at.title[0].value == "Главная"


def test_setup_with_a_common_password_shows_a_message_and_creates_nothing(app_env, factory):
    at = _fill(open_app().run(), password="123456789")
    assert not at.exception
    assert "распространён" in at.error[0].value
    with factory() as session:
        assert find_user_by_login(session, "smirnov") is None


def test_setup_with_a_bad_address_shows_a_message_and_changes_nothing(app_env, factory):
    at = _fill(open_app().run(), address="school1.ru")
    assert not at.exception
    assert at.error[0].value.startswith("Адрес должен начинаться с http")
    assert _nothing_stored(factory)


def test_setup_stores_the_address(app_env, factory):
    at = _fill(open_app().run(), address="https://klassruk.school1.example/")
    assert not at.exception
    assert any(t.key == "login_login" for t in at.text_input)
    with factory() as session:
        assert read_school_settings(session).app_url == "https://klassruk.school1.example"


def test_setup_asks_the_time_zone_and_stores_it(app_env, factory):
    at = open_app().run()
    assert at.selectbox(key="setup_tz").value == "Europe/Moscow"
    at.selectbox(key="setup_tz").set_value("Europe/Kaliningrad")
    at = _fill(at, address="https://klassruk.school1.example")
    assert not at.exception
    with factory() as session:
        assert read_school_settings(session).timezone == "Europe/Kaliningrad"


def test_the_demo_offers_the_school_year_of_the_day(app_env, engine, frozen_clock):
    frozen_clock.move_to(datetime(2027, 7, 4, 9, 0, tzinfo=UTC))  # a summer Sunday
    at = open_app().run()
    assert any("Учебный год 2027/2028" in m.value for m in at.markdown)
