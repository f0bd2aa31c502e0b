"""Contacts by `phonenumbers` and `email-validator`: E.164 phones, normalised e-mail addresses."""

from __future__ import annotations

import pytest

from klassruk.errors import DomainError
from klassruk.text.contacts import normalize_email, normalize_phone


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8 (912) 345-67-89", "+79123456789"),
        ("+7 912 345 67 89", "+79123456789"),
        ("9123456789", "+79123456789"),
        ("7-495-123-45-67", "+74951234567"),
        ("8 800 555-35-35", "+78005553535"),
        # Foreign numbers with their own «+» code, Kazakhstan's +7 among them.
        ("+7 701 123 45 67", "+77011234567"),
        ("+380 50 123 45 67", "+380501234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed, expected):
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "+77912345678",  # not a Russian number, and not a valid one of Kazakhstan either
        "7912345678",  # the same ten digits without the code
        "7011234567",  # Kazakhstan's, written as if it were Russian
        "0501234567",
        "+7912345678",  # a digit short
        "8 912 ABC 67 89",
        "912 345 67 89 доб. 1",
        "+7 912 345-67-89; +7 912 345-67-80",
        "=1+2",
    ],
)
def test_bad_phone_numbers_are_refused(typed):
    with pytest.raises(DomainError, match="Неверный номер телефона"):
        normalize_phone(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("olga.petrova@yandex.ru", "olga.petrova@yandex.ru"),
        (" Ivanov@Mail.RU ", "ivanov@mail.ru"),
        ("иванов@почта.рф", "иванов@почта.рф"),
    ],
)
def test_email_addresses_are_normalised(typed, expected):
    assert normalize_email(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["ivanov@mail..ru", "<script>@x.ru", "nina@@mail", "a b@x.ru", "x@localhost", "ivanov@mail"],
)
def test_bad_email_addresses_are_refused(typed):
    with pytest.raises(DomainError, match="Неверный адрес e-mail"):
        normalize_email(typed)
