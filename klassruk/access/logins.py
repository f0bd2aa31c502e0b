"""Readable, unique Latin logins made from Russian names (фамилия.имя)."""

from __future__ import annotations

import re
import unicodedata

import iuliia

# MOSMETRO, not WIKIPEDIA: it is the shorter, digraph-light spelling Russians already use for
# their names (Петр → petr, Евгений → evgeny, Щукина → schukina, not pyotr / yevgeny /
# shchukina), so a child or a parent can type the login from a paper slip or over the phone.
SCHEME = iuliia.MOSMETRO

MAX_LAST_NAME_CHARS = 30
MAX_FIRST_NAME_CHARS = 20

_NOT_LOGIN_LETTER = re.compile(r"[^a-z]+")


def to_latin(text: str) -> str:
    """Lowercase Latin letters only: the transliterated `text` without spaces, hyphens, marks."""
    # Rosters spell ё and е interchangeably; folding first keeps the login the same either way.
    folded = text.strip().replace("ё", "е").replace("Ё", "Е")
    latin = SCHEME.translate(folded).lower()
    # Transliterate before NFKD: decomposing first would split й into и + breve.
    decomposed = unicodedata.normalize("NFKD", latin)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LOGIN_LETTER.sub("", bare)


def login_base(last_name: str, first_name: str) -> str:
    """The login before any collision suffix: familiya.imya, or one part if the other is empty."""
    last = to_latin(last_name)[:MAX_LAST_NAME_CHARS]
    first = to_latin(first_name)[:MAX_FIRST_NAME_CHARS]
    base = ".".join(part for part in (last, first) if part)
    if not base:
        raise ValueError(
            "Не удалось составить логин: в фамилии и имени нет букв "
            f"(«{last_name.strip()}» «{first_name.strip()}»)."
        )
    return base


def make_login(last_name: str, first_name: str, taken: set[str]) -> str:
    """A login not in `taken` (familiya.imya, then familiya.imya2, 3, …); adds it to `taken`."""
    base = login_base(last_name, first_name)
    login = base
    suffix = 2
    while login in taken:
        login = f"{base}{suffix}"
        suffix += 1
    taken.add(login)
    return login
