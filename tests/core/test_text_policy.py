"""One text policy: NFC, invisible characters by field kind, names, comparisons of people."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import String, select

from klassruk.errors import DomainError
from klassruk.models import Base
from klassruk.models.accounts import AppSetting
from klassruk.models.school import Subject
from klassruk.text.policy import (
    MAX_REASON,
    clean_line,
    clean_name,
    clean_text,
    holds_several_lines,
    optional_reason,
    person_key,
    required_reason,
)

DECOMPOSED_J = unicodedata.normalize("NFD", "Йован")


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("Пет\u200bров", "U+200B (невидимый пробел)"),
        ("Петров\u200d", "U+200D (невидимый соединитель)"),
        ("\u200eПетров", "U+200E (метка направления текста)"),
        ("Пет\u202eров", "U+202E (управление направлением текста)"),
        ("Пет\u2066ров\u2069", "U+2066 (изоляция направления текста)"),
        ("Пет\u00adров", "U+00AD (мягкий перенос)"),
        ("\ufeffПетров", "U+FEFF (метка порядка байтов)"),
        ("Пет\x00ров", "U+0000 (нулевой символ)"),
        ("Пет\x1fров", "U+001F (невидимый управляющий символ)"),
        ("Петров2", "«2» (U+0032)"),
        ("Петров;DROP", "«;» (U+003B)"),
        ("Петров😀", "«😀» (U+1F600)"),
        ("=Петров", "«=» (U+003D)"),
        ("@Петров", "«@» (U+0040)"),
        ("+Петров", "«+» (U+002B)"),
        ("Петров\tИван", "U+0009 (табуляция)"),
    ],
)
def test_a_name_with_a_character_not_allowed_is_refused_naming_it(typed, named):
    with pytest.raises(DomainError) as error:
        clean_name(typed, field="Фамилия")
    message = str(error.value)
    assert message.startswith("Фамилия: недопустимый символ " + named)
    assert "\u200b" not in message and "\x00" not in message


def test_a_name_may_not_start_with_a_hyphen():
    with pytest.raises(DomainError, match="должно начинаться с буквы"):
        clean_name("-Петров", field="Фамилия")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Римский-Корсаков ", "Римский-Корсаков"),
        ("Д'Артаньян", "Д'Артаньян"),
        ("O’Brien", "O’Brien"),
        ("Анна  Мария", "Анна Мария"),
        (DECOMPOSED_J, "Йован"),  # NFC: «Й» is one character again
        ("Aнна", "Анна"),  # a Latin A inside a Cyrillic word
    ],
)
def test_names_of_letters_hyphen_apostrophe_and_space_are_stored_normalised(typed, stored):
    assert clean_name(typed, field="Имя").text == stored


def test_people_are_compared_on_the_normalised_form():
    assert person_key("Пётр", "Иванов") == person_key("петр\u200b", "ИВAНОВ")
    assert person_key(DECOMPOSED_J) == person_key("Йован")
    assert person_key("Ива\u00adнов") == person_key("Иванов")
    assert person_key("Иванов") != person_key("Иванова")


def test_free_text_loses_controls_and_invisible_characters_keeping_line_breaks():
    typed = "\ufeffДроби\x00 и\u200b доли\r\n№ 12,\u202e 13\x07"
    assert clean_text(typed) == "Дроби и доли\n№ 12, 13"
    assert clean_line("бланк\n\x00скан\u200f.pdf") == "бланк скан.pdf"
    assert clean_text(unicodedata.normalize("NFD", "ёжик")) == "ёжик"


def test_every_stored_string_is_cleaned_before_it_reaches_the_database(session):
    # NUL made PostgreSQL refuse the whole save (DataError); now it never reaches it.
    session.add(AppSetting(key="probe", value="Тема\x00 урока\u200b\n№ 2"))
    session.flush()
    session.expire_all()
    assert session.scalar(select(AppSetting.value).where(AppSetting.key == "probe")) == (
        "Тема урока\n№ 2"
    )


def test_one_line_columns_get_spaces_for_line_breaks_and_long_text_keeps_them(session):
    """A pasted line break in a title or a name-like column would break tables and PDFs."""
    session.add(Subject(name="Алгебра\nи начала\r\nанализа", short_name="Алг\n"))
    session.add(AppSetting(key="note", value="первая\nвторая"))
    session.flush()
    session.expire_all()
    subject = session.scalars(select(Subject)).one()
    assert (subject.name, subject.short_name) == ("Алгебра и начала анализа", "Алг ")
    assert session.get(AppSetting, "note").value == "первая\nвторая"


def test_every_string_column_is_one_line_or_long_text_by_its_kind():
    """The kind of each column follows its length, so a new column gets the right one."""
    kinds = {
        f"{table.name}.{column.name}": holds_several_lines(column.type)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String)
    }
    assert kinds["lesson.homework"] and kinds["grade_change.reason"]
    assert not kinds["student.last_name"] and not kinds["subject.name"]
    assert not kinds["consent_scan.file_name"]


@pytest.mark.parametrize("blank", ["", "   ", "\u200b\u2060", "\x00\ufeff", None])
def test_a_reason_of_nothing_visible_is_no_reason(blank):
    assert optional_reason(blank) is None
    with pytest.raises(DomainError, match=r"^Укажите причину отмены$"):
        required_reason(blank, missing="Укажите причину отмены")


def test_a_reason_is_cleaned_and_kept_within_its_limit():
    assert required_reason(" решение\u200b  педсовета \x07", missing="-") == "решение педсовета"
    assert required_reason("заявление\t№ 5\nот мамы", missing="-") == "заявление № 5\nот мамы"
    assert required_reason("я" * MAX_REASON, missing="-") == "я" * MAX_REASON
    with pytest.raises(DomainError, match=f"не длиннее {MAX_REASON} символов, сейчас 501"):
        required_reason("я" * (MAX_REASON + 1), missing="-")
    with pytest.raises(DomainError, match="не длиннее 300 символов"):
        optional_reason("я" * 301, limit=300)


REASON_BY_HAND = re.compile(
    r"reason\w*( or \"\"\))?\.strip\(\)|join\(reason\w*\.split|clean_(text|line)\(reason"
)


def test_no_service_checks_a_reason_by_hand():
    # One rule for reasons: a `.strip()` check let «\u200b» through as a reason (stored empty),
    # and hand-made length checks differed or were missing (a long reason failed in the DB).
    services = Path(__file__).resolve().parents[2] / "klassruk" / "services"
    by_hand = [
        f"{path.relative_to(services)}:{number}: {line.strip()}"
        for path in sorted(services.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if REASON_BY_HAND.search(line)
    ]
    assert by_hand == [], "use klassruk.text.policy.required_reason / optional_reason"
