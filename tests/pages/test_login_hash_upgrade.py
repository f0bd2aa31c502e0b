"""AppTest: a password stored as bcrypt before Argon2id logs in, and the login upgrades it."""

from __future__ import annotations

from sqlalchemy import select, update

import components.kit.login as login_kit
from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.infra.db import unit_of_work
from klassruk.models import ActivityLog
from klassruk.models.accounts import UserAccount
from klassruk.services.accounts.login import LockoutPolicy, stored_password_hash
from tests.factories import SYSTEM, attempt_login, legacy_bcrypt_hash
from tests.pages.conftest import login, open_app


def _logged_in(at) -> bool:
    return any(b.label == "Выйти" for b in at.button)


def _store_legacy_hash(factory) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(
            update(UserAccount).where(UserAccount.login == "uchitel").values(
                password_hash=legacy_bcrypt_hash(DEMO_PASSWORD)
            )
        )


def test_a_legacy_hash_logs_in_and_the_upgrade_keeps_other_sessions(demo_app, factory):
    # A phone logged in yesterday, when the hash was still bcrypt; today a computer logs in.
    phone = login(open_app(), "uchitel")
    assert _logged_in(phone)
    _store_legacy_hash(factory)
    computer = login(open_app(), "uchitel")
    assert not computer.exception and _logged_in(computer)
    with factory() as session:
        upgraded = stored_password_hash(session, login="uchitel")
    assert upgraded is not None and upgraded.startswith("$argon2id$")
    phone.run()
    assert not phone.exception and _logged_in(phone)
    assert login(open_app(), "uchitel", "Не тот пароль").error


def test_a_login_that_meets_another_devices_upgrade_still_gets_in(demo_app, factory, monkeypatch):
    _store_legacy_hash(factory)
    checked = login_kit.check_password
    first: list[bool] = []

    def check_while_another_device_logs_in(**kwargs):  # type: ignore[no-untyped-def]
        check = checked(**kwargs)
        if not first:
            first.append(True)
            other = attempt_login(factory, "uchitel", DEMO_PASSWORD, policy=LockoutPolicy())
            assert other.error is None  # and it replaced the bcrypt hash this check read
        return check

    monkeypatch.setattr(login_kit, "check_password", check_while_another_device_logs_in)
    at = login(open_app(), "uchitel")
    assert not at.exception and _logged_in(at), [e.value for e in at.error]
    with factory() as session:
        events = session.scalars(select(ActivityLog.event).where(ActivityLog.login == "uchitel"))
        assert list(events) == ["login", "login"]
