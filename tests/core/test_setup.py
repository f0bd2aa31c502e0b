"""First-run setup: the first administrator and the address, checked before anything is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.errors import DomainError
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AppSetting, UserAccount
from klassruk.services.school_settings import read_school_settings
from klassruk.setup import create_first_admin

SETUP = Actor.system("setup")
ADDRESS = "https://klassruk.school17.example"


def _first_admin(session: Session, app_url: str, timezone: str = "Europe/Moscow") -> None:
    create_first_admin(
        session, SETUP, school_name="МБОУ СОШ № 17", last_name="Иванов", first_name="Иван",
        middle_name="", login="it", password="Пароль администратора",
        confirmation="Пароль администратора", app_url=app_url, timezone=timezone,
    )


@pytest.mark.parametrize(
    "bad", ["", "klassruk.school17.ru", "ftp://school17.ru", "https://", "http://a b.ru",
            "https://school17.ru:99999", "https://school17.ru/?page=1"],
)
def test_first_admin_with_a_bad_address_is_refused_and_nothing_is_stored(
    factory: sessionmaker[Session], bad: str
):
    with pytest.raises(DomainError, match=r"(?i)адрес"), unit_of_work(factory, SETUP) as session:
        _first_admin(session, bad)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserAccount)) == 0
        assert session.scalar(select(func.count()).select_from(AppSetting)) == 0


def test_first_admin_stores_the_address_without_a_trailing_slash(factory):
    with unit_of_work(factory, SETUP) as session:
        _first_admin(session, f"  {ADDRESS}/ ")
    with factory() as session:
        assert read_school_settings(session).app_url == ADDRESS


def test_a_school_in_novosibirsk_is_set_up_in_its_own_time_zone(factory):
    with unit_of_work(factory, SETUP) as session:
        _first_admin(session, ADDRESS, "Asia/Novosibirsk")
    with factory() as session:
        assert read_school_settings(session).timezone == "Asia/Novosibirsk"


def test_an_unknown_time_zone_is_refused_and_nothing_is_stored(factory):
    with pytest.raises(DomainError, match="часовой пояс"), unit_of_work(factory, SETUP) as session:
        _first_admin(session, ADDRESS, "Europe/Novosibirsk")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(AppSetting)) == 0
