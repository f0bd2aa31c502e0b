"""One policy for every text the school stores: names, free text, comparisons of people.

- Every stored string is NFC-normalised; NUL and other control characters and invisible
  format characters (zero-width space and joiners, bidi marks and isolates, soft hyphen, BOM)
  are removed from free text (topics, homework, reasons, recommendations, titles, file names).
  `install_text_hook` does this for every String/Text column before each flush (tabs made
  spaces; line breaks kept in long text, made spaces in one-line columns such as names, titles
  and file names), so no service can forget it; services that need a trimmed one-line value or
  a reason call `clean_line` / `clean_text` / `required_reason` themselves.
- A person's name is refused instead, with a message naming the character: only letters,
  hyphen, apostrophe and space; Latin look-alikes inside Cyrillic words are fixed
  (`klassruk.text.cyrillic`).
- People are compared on `person_key`: NFC, invisible characters dropped, look-alikes folded,
  ё = е, case and spacing ignored.
- Exports neutralise formula-like prefixes in `klassruk.services.spreadsheets.export_cell`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from klassruk.errors import DomainError
from klassruk.text.cyrillic import Fixed, fix_lookalikes, fold_lookalikes

# Names of the invisible characters people actually paste, for the messages.
INVISIBLE_NAMES = {
    "\u00ad": "мягкий перенос",
    "\u061c": "метка направления текста",
    "\u180e": "невидимый разделитель",
    "\u200b": "невидимый пробел",
    "\u200c": "невидимый разделитель",
    "\u200d": "невидимый соединитель",
    "\u200e": "метка направления текста",
    "\u200f": "метка направления текста",
    "\u2060": "невидимый соединитель",
    "\ufeff": "метка порядка байтов",
    **dict.fromkeys("\u202a\u202b\u202c\u202d\u202e", "управление направлением текста"),
    **dict.fromkeys("\u2066\u2067\u2068\u2069", "изоляция направления текста"),
    "\x00": "нулевой символ",
    "\t": "табуляция",
    "\n": "перевод строки",
    "\r": "возврат каретки",
}
NAME_PUNCTUATION = frozenset("-'’ʼ ")
# Columns this long or unbounded hold free text that may run over several lines (homework,
# reasons, notes, recommendations); shorter ones (names, titles, logins, file names, rooms) are
# one line, and a pasted line break becomes a space there instead of breaking tables and PDFs.
MULTILINE_FROM_LENGTH = 300
_LINE_BREAKS = str.maketrans({"\r": None, "\u2028": "\n", "\u2029": "\n", "\x85": "\n"})


def _is_invisible(char: str) -> bool:
    """A control (Cc) or format (Cf) character: nothing a reader can see."""
    return unicodedata.category(char) in ("Cc", "Cf")


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Free text as stored: NFC, controls and invisible characters removed, ends trimmed.

    Line breaks stay in multi-line text (homework, reasons); one-line text gets spaces.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").translate(_LINE_BREAKS))
    kept = "".join(
        c if not _is_invisible(c) or (c == "\n" and multiline) else (" " if c in "\n\t" else "")
        for c in text
    )
    return kept.strip()


def clean_line(text: str) -> str:
    """One-line free text (a file name, a title): as `clean_text`, spaces for line breaks."""
    return " ".join(clean_text(text, multiline=False).split())


MAX_REASON = 500  # the reason columns and the audit log's
AUDITED_REASON = "Укажите причину: она сохраняется в журнале изменений."


def optional_reason(
    text: str | None, *, limit: int = MAX_REASON, what: str = "Причина"
) -> str | None:
    """A reason or note kept with a record, cleaned as free text; None when nothing is left."""
    lines = clean_text(text or "").split("\n")
    reason = "\n".join(" ".join(line.split()) for line in lines)  # «решение  суда» as typed once
    if len(reason) > limit:
        raise DomainError(f"{what} — не длиннее {limit} символов, сейчас {len(reason)}.")
    return reason or None


def required_reason(
    text: str | None, *, missing: str, limit: int = MAX_REASON, what: str = "Причина"
) -> str:
    """A reason or note that must be given; `missing` is the refusal saying what it is for."""
    reason = optional_reason(text, limit=limit, what=what)
    if reason is None:
        raise DomainError(missing)
    return reason


def describe_char(char: str) -> str:
    """«U+200B (невидимый пробел)» or «U+0035 «5»»: a character named for a message."""
    code = f"U+{ord(char):04X}"
    name = INVISIBLE_NAMES.get(char)
    if name is None and _is_invisible(char):
        name = "невидимый управляющий символ"
    return f"{code} ({name})" if name else f"«{char}» ({code})"


def clean_name(text: str, *, field: str) -> Fixed:
    """A person's name part as stored, or DomainError naming the first character not allowed.

    Letters (any alphabet), hyphen, apostrophe and single spaces; look-alike Latin letters in
    Cyrillic words replaced (noted); it must start with a letter (no «=», «-», «@»).
    """
    text = unicodedata.normalize("NFC", text)
    for char in text:
        if char in NAME_PUNCTUATION or char.isalpha() or unicodedata.category(char) == "Mn":
            continue
        raise DomainError(
            f"{field}: недопустимый символ {describe_char(char)} в {_shown(text)}. "
            "В имени допустимы только буквы, дефис, апостроф и пробел."
        )
    text = " ".join(text.split())
    if text and not text[0].isalpha():
        raise DomainError(f"{field}: {_shown(text)} должно начинаться с буквы.")
    try:
        return fix_lookalikes(text)
    except DomainError as error:
        raise DomainError(f"{field}: {error}") from error


def _shown(text: str) -> str:
    visible = "".join(c for c in text if not _is_invisible(c))
    return f"«{visible[:40]}»"


def person_key(*parts: str) -> str:
    """A name folded for comparing people: invisible characters, look-alikes, ё, case ignored."""
    text = unicodedata.normalize("NFC", " ".join(parts))
    text = fold_lookalikes("".join(c for c in text if not _is_invisible(c) and c != "\u00ad"))
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def clean_stored_strings(session: Session, *_: object) -> None:
    """Apply `clean_text` to every new or changed String/Text value (before flush)."""
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for column in mapper.columns:
            if not isinstance(column.type, String):
                continue
            key = mapper.get_property_by_column(column).key
            value: Any = getattr(obj, key, None)
            if isinstance(value, str) and value:
                cleaned = _clean_stored(value, multiline=holds_several_lines(column.type))
                if cleaned != value:
                    setattr(obj, key, cleaned)


def holds_several_lines(kind: String) -> bool:
    """Whether a column keeps line breaks: long text (homework, reasons, notes) does."""
    return kind.length is None or kind.length >= MULTILINE_FROM_LENGTH


def _clean_stored(value: str, *, multiline: bool) -> str:
    """NFC and no controls, but the value otherwise as the service chose (no trimming)."""
    if value.isascii() and value.isprintable():
        return value  # the common case costs one scan
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").translate(_LINE_BREAKS))
    return "".join(
        c if not _is_invisible(c) or (c == "\n" and multiline) else (" " if c in "\n\t" else "")
        for c in value
    )


def install_text_hook(factory: sessionmaker[Session]) -> None:
    """Clean every stored string of the factory's sessions before each flush."""
    event.listen(factory, "before_flush", clean_stored_strings)
