"""School settings: the address users type, checked before it is stored; whether set up yet."""

from __future__ import annotations

import pytest

from klassruk.access.permissions import Actor, Role
from klassruk.errors import DomainError, PermissionDenied
from klassruk.infra.db import unit_of_work
from klassruk.services.school_settings import (
    APP_URL_KEY,
    SetupState,
    reachable_by_users,
    read_school_settings,
    set_app_url,
    set_setting,
    set_timezone,
    setup_state,
)
from tests.factories import make_account

SETUP = Actor.system("setup")
ADMIN = Actor(login="it", roles=frozenset({Role.ADMIN}))
TEACHER = Actor(login="teacher", roles=frozenset({Role.CLASS_TEACHER}))
ADDRESS = "https://klassruk.school17.example"


def test_admin_changes_the_address_and_a_bad_one_changes_nothing(factory):
    with unit_of_work(factory, SETUP) as session:
        set_setting(session, APP_URL_KEY, ADDRESS)
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
        set_setting(session, APP_URL_KEY, ADDRESS)
    with pytest.raises(PermissionDenied), unit_of_work(factory, TEACHER) as session:
        set_app_url(session, TEACHER, app_url="https://elsewhere.example")
    with factory() as session:
        assert read_school_settings(session).app_url == ADDRESS


def test_the_admin_moves_the_school_to_kaliningrad_and_a_bad_zone_changes_nothing(factory):
    with unit_of_work(factory, ADMIN) as session:
        assert set_timezone(session, ADMIN, timezone=" Europe/Kaliningrad ") == (
            "Europe/Kaliningrad"
        )
    for bad in ("", "Калининград", "Europe/Atlantis", "../etc/passwd"):
        with pytest.raises(DomainError, match="часовой пояс"), unit_of_work(
            factory, ADMIN
        ) as session:
            set_timezone(session, ADMIN, timezone=bad)
    with pytest.raises(PermissionDenied), unit_of_work(factory, TEACHER) as session:
        set_timezone(session, TEACHER, timezone="Asia/Omsk")
    with factory() as session:
        assert read_school_settings(session).timezone == "Europe/Kaliningrad"


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


def test_the_school_is_set_up_once_its_first_account_exists(factory):
    with factory() as session:
        assert setup_state(session) is SetupState.EMPTY
        assert read_school_settings(session).state is SetupState.EMPTY
    with unit_of_work(factory, SETUP) as session:
        make_account(session, "it", {Role.ADMIN})
    with factory() as session:
        assert setup_state(session) is SetupState.READY
        assert read_school_settings(session).state is SetupState.READY
