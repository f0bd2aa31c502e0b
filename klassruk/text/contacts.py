"""Phone numbers and e-mail addresses, checked by the libraries made for them.

A phone is parsed by `phonenumbers` as written in Russia and stored in E.164 (+79123456789);
a number written without a country code must be a valid Russian one (a ten-digit number of
another +7 country, Kazakhstan, is accepted only written with its «+7»), a foreign one only with
its «+» code. An e-mail is checked for syntax only by `email-validator` (no network at import
time) and stored in its normalised form, lower case.
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from klassruk.errors import DomainError
from klassruk.text.formatting import quote

HOME_REGION = "RU"
# What a phone may be written with besides digits: spaces, brackets, dashes, dots, one «+».
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-]+$")
PHONE_EXAMPLE = "например +7 912 345-67-89 или 8 912 345-67-89"


def normalize_phone(text: str) -> str:
    """A phone number in E.164 (+79123456789); raises DomainError if it cannot be one."""
    written = text.strip()
    refused = DomainError(
        f"Неверный номер телефона {quote(written)}: нужен российский номер "
        f"({PHONE_EXAMPLE}) или иностранный с кодом страны после «+»."
    )
    if not _PHONE_CHARS.match(written):
        raise refused
    try:
        number = phonenumbers.parse(written, HOME_REGION)
    except phonenumbers.NumberParseException as error:
        raise refused from error
    if not phonenumbers.is_valid_number(number):
        raise refused
    international = written.startswith("+")
    if not international and phonenumbers.region_code_for_number(number) != HOME_REGION:
        raise refused  # «7011234567» is Kazakhstan's: a foreign number needs its «+»
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(text: str) -> str:
    """An e-mail address checked for syntax and normalised; raises DomainError if invalid."""
    written = text.strip()
    try:
        checked = validate_email(written, check_deliverability=False)
    except EmailNotValidError as error:
        raise DomainError(
            f"Неверный адрес e-mail {quote(written)}: нужен адрес вида ivanova@mail.ru."
        ) from error
    return checked.normalized.lower()
