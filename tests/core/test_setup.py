"""First-run setup and the school's address: checked before anything is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.db import unit_of_work
from klassruk.errors import DomainError, PermissionDenied
from klassruk.models import AppSetting, UserAccount
from klassruk.permissions import Actor, Role
from klassruk.setup import (
    create_first_admin,
    reachable_by_users,
    read_school_settings,
    set_app_url,
)

SETUP = Actor.system("setup")
ADMIN = Actor(login="it", roles=frozenset({Role.ADMIN}))
TEACHER = Actor(login="teacher", roles=frozenset({Role.CLASS_TEACHER}))
ADDRESS = "https://klassruk.school17.example"


def _first_admin(session: Session, app_url: str) -> None:
    create_first_admin(
        session, SETUP, school_name="МБОУ СОШ № 17", last_name="Иванов", first_name="Иван",
        middle_name="", login="it", password="Пароль администратора",
        confirmation="Пароль администратора", app_url=app_url,
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


def test_admin_changes_the_address_and_a_bad_one_changes_nothing(factory):
    with unit_of_work(factory, SETUP) as session:
        _first_admin(session, ADDRESS)
    with unit_of_work(factory, ADMIN) as session:
        assert set_app_url(session, ADMIN, app_url="http://10.0.0.5:8501/") == (
            "http://10.0.0.5:8501"
        )
    with pytest.raises(DomainError, match="http:// или https://"), unit_of_work(
        factory, ADMIN
    ) as session:
        set_app_url(session, ADMIN, app_url="школа17.рф")
    with factory() as session:
        assert read_school_settings(session).app_url == "http://10.0.0.5:8501"


def test_only_the_admin_changes_the_address(factory):
    with unit_of_work(factory, SETUP) as session:
        _first_admin(session, ADDRESS)
    with pytest.raises(PermissionDenied), unit_of_work(factory, TEACHER) as session:
        set_app_url(session, TEACHER, app_url="https://elsewhere.example")
    with factory() as session:
        assert read_school_settings(session).app_url == ADDRESS


@pytest.mark.parametrize(
    ("address", "reachable"),
    [
        ("", False),
        ("http://localhost:8501", False),
        ("http://LOCALHOST.:8501", False),
        ("http://app.localhost", False),
        ("http://127.0.0.1:8501", False),
        ("http://127.1.2.3", False),
        ("http://[::1]:8501", False),
        ("http://0.0.0.0:8501", False),
        ("http://10.0.0.5:8501", True),
        ("https://klassruk.school17.example", True),
        ("http://[2001:db8::1]", True),
    ],
)
def test_an_address_on_this_computer_is_not_reachable_by_users(address: str, reachable: bool):
    assert reachable_by_users(address) is reachable
