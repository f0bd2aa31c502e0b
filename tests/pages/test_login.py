"""AppTest: the login page's second step — the app's code or a recovery code after the password."""

from __future__ import annotations

from sqlalchemy import select

from klassruk.models.accounts import UserAccount
from tests.pages.conftest import login, open_app
from tests.pages.second_factor_steps import enrol_in_database, next_code, submit_code


def _logged_in(at) -> bool:
    return any(b.label == "Выйти" for b in at.button)


def test_password_alone_asks_for_the_code_and_the_code_logs_in(demo_app, factory):
    secret, _ = enrol_in_database(factory, "uchitel")
    at = login(open_app(), "uchitel")
    assert not at.exception and not _logged_in(at)
    assert any(h.value == "Второй фактор" for h in at.subheader)
    submit_code(at, "000000")
    assert any("Код не подошёл" in e.value for e in at.error) and not _logged_in(at)
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == "uchitel"))
        assert user.failed_attempts == 1 and user.last_login_at is None
    code = next_code(secret)
    submit_code(at, code)
    assert not at.exception and _logged_in(at)

    again = login(open_app(), "uchitel")
    submit_code(again, code)
    assert any("уже использован" in e.value for e in again.error) and not _logged_in(again)


def test_recovery_code_logs_in_once(demo_app, factory):
    _, codes = enrol_in_database(factory, "uchitel")
    at = submit_code(login(open_app(), "uchitel"), codes[0])
    assert _logged_in(at)
    again = submit_code(login(open_app(), "uchitel"), codes[0])
    assert not _logged_in(again) and any("Код не подошёл" in e.value for e in again.error)


def test_cancel_returns_to_the_password_form(demo_app, factory):
    enrol_in_database(factory, "uchitel")
    at = login(open_app(), "uchitel")
    next(b for b in at.button if b.label == "Отмена").click().run()
    assert at.text_input(key="login_login") is not None and not _logged_in(at)


def test_accounts_without_a_second_factor_log_in_with_the_password(logged_in):
    assert _logged_in(logged_in("uchitel"))
