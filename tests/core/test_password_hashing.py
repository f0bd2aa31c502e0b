"""Password hashes: Argon2id at OWASP's parameters, legacy bcrypt still verified, junk refused."""

from __future__ import annotations

import base64
import hashlib

import bcrypt
import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from klassruk.access.passwords import (
    PASSWORD_HASHER,
    dummy_hash,
    hash_password,
    hasher_for,
    needs_rehash,
    verify_password,
)
from klassruk.models.accounts import UserAccount
from tests.factories import legacy_bcrypt_hash

PASSPHRASE = "Фиолетовый жираф ест пельмени 42"


def test_without_the_environment_new_hashes_are_argon2id_at_owasp_parameters():
    assert hasher_for(None) is hasher_for("") is hasher_for("production")
    password_hash = hash_password(PASSPHRASE, hasher=hasher_for(None))
    parameters = extract_parameters(password_hash)
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (parameters.type, parameters.memory_cost, parameters.time_cost) == (Type.ID, 19456, 2)
    assert parameters.parallelism == 1
    assert verify_password(PASSPHRASE, password_hash)
    assert not needs_rehash(password_hash, hasher=hasher_for(None))
    # The column was sized for bcrypt's 60 characters.
    assert len(password_hash) <= UserAccount.__table__.c.password_hash.type.length


def test_the_test_cost_is_cheap_and_an_unknown_cost_is_refused():
    assert extract_parameters(hash_password("x", hasher=hasher_for("test"))).memory_cost == 8
    with pytest.raises(ValueError, match="KLASSRUK_PASSWORD_HASH_COST"):
        hasher_for("cheap")


def test_unknown_logins_are_checked_against_a_hash_of_the_same_cost():
    assert extract_parameters(dummy_hash()) == extract_parameters(hash_password(PASSPHRASE))
    assert dummy_hash().startswith("$argon2id$")


def test_a_legacy_bcrypt_hash_still_verifies_and_asks_to_be_replaced():
    legacy = legacy_bcrypt_hash(PASSPHRASE)
    assert verify_password(PASSPHRASE, legacy)
    assert not verify_password(PASSPHRASE + "!", legacy)
    assert needs_rehash(legacy)


def test_argon2id_with_weaker_parameters_asks_to_be_replaced():
    older = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(PASSPHRASE)
    assert verify_password(PASSPHRASE, older)
    assert needs_rehash(older)
    assert needs_rehash(older, hasher=PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert not needs_rehash(PASSWORD_HASHER.hash(PASSPHRASE))


def test_a_server_started_with_the_test_cost_never_weakens_a_stored_hash():
    strong = hash_password(PASSPHRASE, hasher=hasher_for(None))
    assert not needs_rehash(strong, hasher=hasher_for("test"))


def test_a_long_passphrase_is_hashed_in_full():
    passphrase = "очень длинная парольная фраза из многих русских слов " * 4
    password_hash = hash_password(passphrase)
    assert verify_password(passphrase, password_hash)
    assert not verify_password(passphrase[:-1] + "!", password_hash)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "$2b$",
        "$2b$12$short",
        "$2b$04$ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$bad$bad",
        "$argon2id$v=19$m=8,t=1,p=1$" + "A" * 22,
        # Kinds Klassruk never wrote, even when the password is right.
        # Named, not shown: their salts are random and pytest-xdist's workers must collect the
        # same test ids.
        pytest.param(
            PasswordHasher(type=Type.I, memory_cost=8, time_cost=1, parallelism=1).hash(PASSPHRASE),
            id="argon2i-right-password",
        ),
        pytest.param(
            bcrypt.hashpw(PASSPHRASE.encode("utf-8"), bcrypt.gensalt(4)).decode("ascii"),
            id="bcrypt-2b-right-password",
        ),
        pytest.param(
            bcrypt.hashpw(
                base64.b64encode(hashlib.sha256(PASSPHRASE.encode("utf-8")).digest()),
                bcrypt.gensalt(4, prefix=b"2a"),
            ).decode("ascii"),
            id="bcrypt-2a-sha256-right-password",
        ),
    ],
)
def test_a_malformed_or_foreign_hash_is_a_mismatch_not_an_error(stored):
    assert verify_password(PASSPHRASE, stored) is False


def test_a_password_that_is_not_valid_text_is_a_mismatch():
    assert verify_password("\ud800", hash_password(PASSPHRASE)) is False
    assert verify_password("\ud800", legacy_bcrypt_hash(PASSPHRASE)) is False
