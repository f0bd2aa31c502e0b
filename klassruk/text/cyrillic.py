"""Latin letters that look Cyrillic («Aнна» typed with a Latin A) in names and class names.

A small explicit table rather than the `confusable-homoglyphs` library: Russian names need only
the Latin→Cyrillic direction and one answer per letter, which the library's many-to-many
Unicode confusables data does not give without choosing the Cyrillic candidate by hand anyway;
twenty letters are easier to read and review than a dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from klassruk.errors import DomainError

LOOKALIKES = str.maketrans("AaBCcEeHKkMOoPpTXxYy", "АаВСсЕеНКкМОоРрТХхУу")
_WORD = re.compile(r"[^\W\d_]+")
_CLASS_NAME = re.compile(r"^(\d{1,2})\s*[-–]?\s*([^\W\d_])$")


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff"


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


@dataclass(frozen=True)
class Fixed:
    """A text with its look-alike letters replaced, and what was replaced (Russian notes)."""

    text: str
    notes: tuple[str, ...]


def fix_lookalikes(text: str) -> Fixed:
    """Replace Latin look-alikes inside Cyrillic words; refuse other Latin letters there.

    A word written wholly in Latin letters is left alone (a foreign name is not a typo).
    """
    notes: list[str] = []

    def replace(match: re.Match[str]) -> str:
        word = match.group(0)
        if not any(_is_cyrillic(c) for c in word) or not any(_is_latin(c) for c in word):
            return word
        for offset, char in enumerate(word):
            if _is_latin(char) and char.translate(LOOKALIKES) == char:
                raise DomainError(
                    f"В слове «{word[:40]}» латинская буква «{char}» "
                    f"(символ {match.start() + offset + 1}): напишите слово русскими буквами."
                )
        fixed = word.translate(LOOKALIKES)
        letters = ", ".join(f"«{c}»" for c in dict.fromkeys(c for c in word if _is_latin(c)))
        notes.append(f"«{fixed[:40]}»: латинские {letters} заменены русскими.")
        return fixed

    return Fixed(_WORD.sub(replace, text), tuple(notes))


def fold_lookalikes(text: str) -> str:
    """The text with look-alikes in Cyrillic words replaced, never refusing (for comparisons)."""
    return _WORD.sub(
        lambda m: m.group(0).translate(LOOKALIKES)
        if any(_is_cyrillic(c) for c in m.group(0))
        else m.group(0),
        text,
    )


def normalize_class_name(text: str) -> str | None:
    """«7 а», «7-А», «7A» (Latin A) → «7А»; None if it is not a grade and a Cyrillic letter."""
    match = _CLASS_NAME.match(text.strip().upper())
    if not match:
        return None
    letter = match.group(2).translate(LOOKALIKES)
    if not _is_cyrillic(letter):
        return None
    return f"{int(match.group(1))}{letter}"
