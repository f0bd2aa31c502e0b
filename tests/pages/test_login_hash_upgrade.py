"""AppTest: a password stored as bcrypt before Argon2id logs in, and the login upgrades it."""

from __future__ import annotations

from sqlalchemy import update

from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.services.accounts.login import stored_password_hash
from tests.factories import SYSTEM, legacy_bcrypt_hash
from tests.pages.conftest import login, open_app


def _logged_in(at) -> bool:
    return any(b.label == "Выйти" for b in at.button)


def test_a_legacy_hash_logs_in_and_the_upgrade_keeps_other_sessions(demo_app, factory):
    # A phone logged in yesterday, when the hash was still bcrypt; today a computer logs in.
    phone = login(open_app(), "uchitel")
    assert _logged_in(phone)
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(
            update(UserAccount).where(UserAccount.login == "uchitel").values(
                password_hash=legacy_bcrypt_hash(DEMO_PASSWORD)
            )
        )
    computer = login(open_app(), "uchitel")
    assert not computer.exception and _logged_in(computer)
    with factory() as session:
        upgraded = stored_password_hash(session, login="uchitel")
    assert upgraded is not None and upgraded.startswith("$argon2id$")
    phone.run()
    assert not phone.exception and _logged_in(phone)
    assert login(open_app(), "uchitel", "Не тот пароль").error
