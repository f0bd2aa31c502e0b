"""The password policy: long Cyrillic passphrases pass; short, common and own-name ones fail."""

from __future__ import annotations

import pytest

from klassruk.access.passwords import (
    PasswordPolicyError,
    check_password_policy,
)


@pytest.mark.parametrize(
    "password",
    ["Надёжный пароль 2026", "кот-учёный-ходит-по-цепи", "x7#Lq9!vRm", "пароль-длинный " * 10],
)
def test_policy_accepts_good_and_long_cyrillic_passwords(password):
    check_password_policy(password, login="ivanov.petr")


@pytest.mark.parametrize(
    ("password", "login"),
    [("short", "a"), ("123456789", "b"), ("ПАРОЛЬ123", "c"), ("ivanov.petr-2026", "ivanov.petr"),
     ("aaaaaaaaaaa", "d"), ("йцукенгш", "e")],
)
def test_policy_refuses_short_common_and_login_passwords(password, login):
    with pytest.raises(PasswordPolicyError):
        check_password_policy(password, login=login)


@pytest.mark.parametrize(
    "password",
    ["sidorova123", "Сидорова2026!", "ышвщкщмф-2026", "Anna.Petrovna.77", "anna2015sidorova",
     "Моя фамилия Сидорова", "сидорова.анна"],
)
def test_policy_refuses_passwords_built_from_the_own_name_or_login(password):
    with pytest.raises(PasswordPolicyError, match="имя или логин"):
        check_password_policy(
            password, login="sidorova.anna", names=["Сидорова Анна Петровна"]
        )


@pytest.mark.parametrize("password", ["Annushka2014", "Gfhjkm2026!", "Qwerty!2026"])
def test_policy_refuses_guessable_passwords_that_no_list_holds(password):
    with pytest.raises(PasswordPolicyError, match="слишком простой"):
        check_password_policy(password, login="sidorova.anna", names=["Сидорова Анна Петровна"])
