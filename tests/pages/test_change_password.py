"""«Смена пароля»: forced after a reset, refused with a Russian message on bad input."""

from __future__ import annotations

import pytest

from klassruk.demo.catalogue import DEMO_PASSWORD
from klassruk.infra.db import unit_of_work
from klassruk.services.accounts.login import find_user_by_login
from tests.factories import SYSTEM


def _must_change(factory, login: str) -> None:
    with unit_of_work(factory, SYSTEM) as session:
        user = find_user_by_login(session, login)
        assert user is not None
        user.must_change_password = True


def _submit(at, current: str, new: str, confirmation: str) -> None:
    fields = {t.key: t for t in at.text_input}
    fields["pw_current"].input(current)
    fields["pw_new"].input(new)
    fields["pw_confirm"].input(confirmation)
    next(b for b in at.button if b.label == "Сменить пароль").click()
    at.run()


def test_forced_password_change_gates_every_other_page(logged_in, factory):
    _must_change(factory, "uchitel")
    at = logged_in("uchitel")
    assert at.title[0].value == "Смена пароля"
    with pytest.raises(ValueError):
        at.switch_page("app_pages/home.py").run()
    _submit(at, DEMO_PASSWORD, "Новый пароль учителя", "Новый пароль учителя")
    assert not at.exception
    assert at.title[0].value == "Главная"


@pytest.mark.parametrize(
    ("current", "new", "confirmation", "message"),
    [
        ("не тот пароль", "Новый пароль учителя", "Новый пароль учителя", "текущий пароль"),
        (DEMO_PASSWORD, "Новый пароль учителя", "Другой пароль учителя", "не совпада"),
        (DEMO_PASSWORD, "корот", "корот", "короткий"),
    ],
)
def test_bad_input_is_refused_in_russian_and_changes_nothing(
    logged_in, factory, current, new, confirmation, message
):
    _must_change(factory, "uchitel")
    with factory() as session:
        before = find_user_by_login(session, "uchitel").password_hash  # type: ignore[union-attr]
    at = logged_in("uchitel")
    _submit(at, current, new, confirmation)
    assert not at.exception
    assert any(message in e.value.lower() for e in at.error), [e.value for e in at.error]
    assert at.title[0].value == "Смена пароля"
    with factory() as session:
        assert find_user_by_login(session, "uchitel").password_hash == before  # type: ignore[union-attr]


def test_a_password_made_of_the_own_surname_is_refused_with_the_reason(logged_in, factory):
    _must_change(factory, "uchitel")
    with factory() as session:
        user = find_user_by_login(session, "uchitel")
        assert user is not None
        surname, before = user.display_name.split()[0], user.password_hash
    at = logged_in("uchitel")
    _submit(at, DEMO_PASSWORD, f"{surname}2026!", f"{surname}2026!")
    assert not at.exception
    assert [e.value for e in at.error] == ["Пароль содержит ваше имя или логин: такой пароль "
                                           "легко угадать."]
    with factory() as session:
        assert find_user_by_login(session, "uchitel").password_hash == before  # type: ignore[union-attr]
