"""Password policy and hashing (Argon2id; legacy bcrypt-over-SHA-256 hashes still verify)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import bcrypt
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from klassruk.access.logins import to_latin
from klassruk.errors import DomainError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 200
# zxcvbn's scale 0-4; 3 is "safely unguessable" against an online attack with throttling.
MIN_PASSWORD_SCORE = 3
# Shorter parts of a name ("Ян", "Ли") are left to zxcvbn: as plain substrings they would
# refuse half of all passphrases.
MIN_NAME_PART = 3

_WORD = re.compile(r"[^\W\d_]+")
# The same keys on the Russian (ЙЦУКЕН) and Latin (QWERTY) layouts: "ышвщкщмф" is "sidorova"
# typed with the wrong layout, a favourite trick that hides a name from a plain comparison.
_RU_KEYS = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN_KEYS = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_LAYOUT_SWAP = str.maketrans(_RU_KEYS + _EN_KEYS, _EN_KEYS + _RU_KEYS)
PERSONAL_PASSWORD = "Пароль содержит ваше имя или логин: такой пароль легко угадать."
WEAK_PASSWORD = (
    "Пароль слишком простой, его легко подобрать. Возьмите фразу из трёх-четырёх "
    "не связанных слов или добавьте слова, цифры и знаки не по порядку."
)
# OWASP Password Storage Cheat Sheet's first Argon2id choice: 19 MiB, 2 passes, 1 lane
# (~17 ms of CPU here, against 240 ms for bcrypt cost 12, and memory-hard against GPUs).
PRODUCTION_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Nearly the cheapest Argon2id (8 KiB, 2 passes): for tests, which create thousands of accounts;
# not the very cheapest, so that an upgrade from weaker settings can be tested under it.
TEST_HASHER = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1)
HASH_COST_ENV = "KLASSRUK_PASSWORD_HASH_COST"
_ARGON2ID = "$argon2id$"
# The hashes Klassruk wrote before Argon2id: bcrypt over a SHA-256 prehash.
_LEGACY_BCRYPT = "$2b$"


class PasswordPolicyError(DomainError):
    """The chosen password breaks the policy; the message says why, in Russian."""


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    text = files("klassruk.resources").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def personal_words(login: str, names: Iterable[str] = ()) -> list[str]:
    """The words a guesser tries first: login parts and names, in Cyrillic and in Latin."""
    words = {login.casefold()} if login else set()
    for text in (login, *names):
        for part in _WORD.findall(text.casefold()):
            words.update({part, part.replace("ё", "е"), to_latin(part)})
    return sorted(word for word in words if word)


def check_password_policy(password: str, *, login: str, names: Iterable[str] = ()) -> None:
    """Raise PasswordPolicyError unless `password` is acceptable for `login` and its `names`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"Пароль слишком короткий: нужно не меньше {MIN_PASSWORD_LENGTH} символов."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"Пароль слишком длинный: не больше {MAX_PASSWORD_LENGTH} символов."
        )
    folded = password.casefold()
    variants = {folded, folded.replace("ё", "е"), folded.translate(_LAYOUT_SWAP)}
    words = personal_words(login, names)
    if any(
        word in variant for word in words if len(word) >= MIN_NAME_PART for variant in variants
    ):
        raise PasswordPolicyError(PERSONAL_PASSWORD)
    if not variants.isdisjoint(_common_passwords()) or len(set(folded)) < 3:
        raise PasswordPolicyError("Этот пароль слишком распространён, его легко угадать.")
    # zxcvbn's dictionaries are English: "Пароль123" is weak only when seen as "Gfhjkm123".
    verdicts = [
        zxcvbn(variant, user_inputs=words, max_length=MAX_PASSWORD_LENGTH)
        for variant in (password, password.translate(_LAYOUT_SWAP))
    ]
    if any(
        match.get("dictionary_name") == "user_inputs"
        for verdict in verdicts
        for match in verdict["sequence"]
    ):
        raise PasswordPolicyError(PERSONAL_PASSWORD)
    if min(verdict["score"] for verdict in verdicts) < MIN_PASSWORD_SCORE:
        raise PasswordPolicyError(WEAK_PASSWORD)


def hasher_for(cost: str | None) -> PasswordHasher:
    """The Argon2id settings a cost name stands for: unset or "production", or "test"."""
    if cost in (None, "", "production"):
        return PRODUCTION_HASHER
    if cost == "test":
        return TEST_HASHER
    # A typo must not quietly weaken (or strengthen tenfold) every new hash.
    raise ValueError(f"{HASH_COST_ENV} is {cost!r}: expected 'production' or 'test'")


PASSWORD_HASHER = hasher_for(os.environ.get(HASH_COST_ENV))


def _prehash(password: str) -> bytes:
    # Legacy hashes only: bcrypt reads at most 72 bytes, a 40-letter Cyrillic passphrase is 80.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, *, hasher: PasswordHasher = PASSWORD_HASHER) -> str:
    """An Argon2id hash of the password."""
    # No SHA-256 prehash: Argon2 reads the whole password (bcrypt stopped at 72 bytes), and a
    # plain PHC string can be checked by any Argon2 tool should the hashes ever move.
    return hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether `password` matches an Argon2id or legacy bcrypt hash; False for anything else."""
    try:
        if password_hash.startswith(_ARGON2ID):
            return PASSWORD_HASHER.verify(password_hash, password)
        if password_hash.startswith(_LEGACY_BCRYPT):
            return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    # ValueError: a malformed hash (InvalidHashError among them) or text that is not UTF-8.
    except (VerificationError, ValueError):
        return False
    return False


def needs_rehash(password_hash: str, *, hasher: PasswordHasher = PASSWORD_HASHER) -> bool:
    """Whether a hash that just verified should be replaced: legacy bcrypt or weaker settings.

    Only towards stronger: a server started by mistake with the test cost must not rewrite
    every strong hash it checks into a weak one.
    """
    if not password_hash.startswith(_ARGON2ID):
        return True
    try:
        stored = extract_parameters(password_hash)
    except InvalidHashError:
        return True
    return stored.memory_cost < hasher.memory_cost or stored.time_cost < hasher.time_cost


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to check against for unknown logins, so they take as long as real ones."""
    return hash_password("no-such-user-dummy-password")


@dataclass(frozen=True)
class PasswordChange:
    """A new password checked and hashed before the short write that stores it."""

    new_hash: str
    # The stored hash the current password matched; None when no current password was asked.
    replaces_hash: str | None = None


def check_new_password(
    *,
    login: str,
    new_password: str,
    confirmation: str,
    names: Iterable[str] = (),
    current_password: str | None = None,
    stored_hash: str | None = None,
) -> PasswordChange:
    """The slow half of a password change (password hashing), run outside any transaction.

    With `current_password`, it must match `stored_hash` (the account's hash, read before).
    """
    if current_password is not None and (
        stored_hash is None or not verify_password(current_password, stored_hash)
    ):
        raise DomainError("Текущий пароль введён неверно.")
    if new_password != confirmation:
        raise DomainError("Новый пароль и подтверждение не совпадают.")
    if new_password == current_password:
        raise DomainError("Новый пароль должен отличаться от текущего.")
    check_password_policy(new_password, login=login, names=names)
    return PasswordChange(hash_password(new_password), stored_hash)
