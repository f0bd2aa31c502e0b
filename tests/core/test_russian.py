"""Russian grammar of generated text: names by case and words in the person's gender."""

from __future__ import annotations

import pytest

from klassruk.text.russian import (
    Case,
    Gender,
    about,
    agree,
    agree_with,
    counted,
    decline_name,
    gender_of,
    gender_of_name,
    listing,
)


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        ("Белякова Анна Сергеевна", Gender.FEMALE),
        ("Александров Пётр Ильич", Gender.MALE),
        ("Белякова А.С.", Gender.FEMALE),  # initials: the surname tells
        ("Никитин Никита", Gender.MALE),  # a first name ending in -а
        ("Ильина Любовь", Gender.FEMALE),  # a first name ending in a consonant
        ("Шевченко Женя", None),  # neither the surname nor the first name tells
    ],
)
def test_the_gender_is_read_from_the_patronymic_first_name_or_surname(name, gender):
    assert gender_of_name(name) is gender


def test_the_patronymic_wins_over_an_ambiguous_first_name():
    assert gender_of("Шевченко", "Саша", "Петровна") is Gender.FEMALE
    assert gender_of("Шевченко", "Саша", "Петрович") is Gender.MALE


@pytest.mark.parametrize(
    ("name", "case", "declined"),
    [
        ("Александров П.И.", Case.GENITIVE, "Александрова П.И."),
        ("Александрова П.И.", Case.GENITIVE, "Александровой П.И."),
        ("Александров Пётр Ильич", Case.GENITIVE, "Александрова Петра Ильича"),
        ("Белякова Анна Сергеевна", Case.GENITIVE, "Беляковой Анны Сергеевны"),
        ("Белякова Анна Сергеевна", Case.DATIVE, "Беляковой Анне Сергеевне"),
        ("Орлов Пётр", Case.DATIVE, "Орлову Петру"),
        ("Белых Ирина", Case.GENITIVE, "Белых Ирины"),  # an indeclinable surname
        ("Смирнова-Кузнецова Ирина", Case.GENITIVE, "Смирновой-Кузнецовой Ирины"),
    ],
)
def test_names_are_declined_by_case_and_gender(name, case, declined):
    assert decline_name(name, case) == declined


def test_words_agree_with_the_gender_and_show_both_forms_when_unknown():
    assert agree_with("Белякова Анна", "свободен", "свободна") == "свободна"
    assert agree_with("Александров Пётр", "свободен", "свободна") == "свободен"
    assert agree(None, "сообщил", "сообщила") == "сообщил(а)"
    assert agree(None, "свободен", "свободна") == "свободен/свободна"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Орлов Пётр", "об Орлове Петре"),
        ("Зайцева Мария", "о Зайцевой Марии"),
        ("Ильина Анна", "об Ильиной Анне"),
        ("Ерёмин Иван", "о Ерёмине Иване"),  # е, ё, ю, я begin with [j]: «о»
    ],
)
def test_about_takes_o_or_ob_and_the_prepositional_case(name, expected):
    assert about(name) == expected


def test_listing_joins_with_commas_and_i():
    assert [listing(w) for w in ([], ["А"], ["А", "Б"], ["А", "Б", "В"])] == [
        "", "А", "А и Б", "А, Б и В",
    ]


@pytest.mark.parametrize(
    ("number", "word", "case", "expected"),
    [
        (1, "семья", Case.DATIVE, "1 семье"),
        (3, "семья", Case.DATIVE, "3 семьям"),
        (11, "семья", Case.DATIVE, "11 семьям"),
        (21, "семья", Case.DATIVE, "21 семье"),
        (0, "письмо", None, "0 писем"),
        (1, "письмо", None, "1 письмо"),
        (4, "письмо", None, "4 письма"),
        (12, "письмо", None, "12 писем"),
        (22, "письмо", None, "22 письма"),
        (2, "семья", None, "2 семьи"),
        (5, "семья", None, "5 семей"),
    ],
)
def test_a_counted_noun_agrees_with_its_number(number, word, case, expected):
    assert counted(number, word, case) == expected.replace(" ", "\u00a0")
