"""Logins made from Russian names: readable, Latin, unique."""

from __future__ import annotations

import re

import pytest

from klassruk.access.logins import make_login, to_latin

LOGIN_SHAPE = re.compile(r"^[a-z]+(\.[a-z]+)?[0-9]*$")


def test_surname_dot_first_name_in_lowercase_latin() -> None:
    taken: set[str] = set()
    assert make_login("Иванов", "Пётр", taken) == "ivanov.petr"
    assert taken == {"ivanov.petr"}


def test_collisions_get_numeric_suffixes_from_two() -> None:
    taken = {"ivanov.petr"}
    assert make_login("Иванов", "Петр", taken) == "ivanov.petr2"
    assert make_login("Иванов", "Пётр", taken) == "ivanov.petr3"
    assert taken == {"ivanov.petr", "ivanov.petr2", "ivanov.petr3"}


def test_yo_and_ye_spellings_give_the_same_login() -> None:
    assert to_latin("Семёнов") == to_latin("Семенов") == "semenov"
    assert make_login("Соловьёва", "Алёна", set()) == make_login("Соловьева", "Алена", set())


@pytest.mark.parametrize(
    ("last_name", "first_name", "expected"),
    [
        ("Подъячев", "Игорь", "podyachev.igor"),
        ("Кузьмина", "Дарья", "kuzmina.darya"),
        ("Щукина", "Юлия", "schukina.yuliya"),
        ("Хрущёв", "Евгений", "khruschev.evgeny"),
        ("Римская-Корсакова", "Анна", "rimskayakorsakova.anna"),
        ("Иванова", "Анна Мария", "ivanova.annamariya"),
        ("  ИВАНОВ ", " пётр  ", "ivanov.petr"),
        ("Müller", "Zoé", "muller.zoe"),
        ("Д'Артаньян", "Шарль", "dartanyan.sharl"),
    ],
)
def test_odd_letters_and_punctuation_are_dropped_or_transliterated(
    last_name: str, first_name: str, expected: str
) -> None:
    login = make_login(last_name, first_name, set())
    assert login == expected
    assert LOGIN_SHAPE.match(login)


def test_digits_in_names_do_not_leak_into_the_login() -> None:
    assert make_login("Иванов2", "Пётр 3", set()) == "ivanov.petr"


def test_one_usable_part_is_enough() -> None:
    assert make_login("Иванов", "", set()) == "ivanov"
    assert make_login("—", "Пётр", set()) == "petr"


@pytest.mark.parametrize(("last_name", "first_name"), [("", ""), ("  ", "—"), ("123", "!!!")])
def test_nothing_usable_is_refused_in_russian_and_taken_is_untouched(
    last_name: str, first_name: str
) -> None:
    taken = {"ivanov.petr"}
    with pytest.raises(ValueError, match="Не удалось составить логин"):
        make_login(last_name, first_name, taken)
    assert taken == {"ivanov.petr"}


def test_very_long_names_fit_the_login_column() -> None:
    taken: set[str] = set()
    first = make_login("Длинная" * 20, "Александра" * 10, taken)
    second = make_login("Длинная" * 20, "Александра" * 10, taken)
    assert len(first) <= 64
    assert second == f"{first}2"
    assert LOGIN_SHAPE.match(second)


def test_many_namesakes_stay_unique() -> None:
    taken: set[str] = set()
    logins = [make_login("Смирнова", "Анна", taken) for _ in range(12)]
    assert len(set(logins)) == 12
    assert logins[0] == "smirnova.anna"
    assert logins[-1] == "smirnova.anna12"
