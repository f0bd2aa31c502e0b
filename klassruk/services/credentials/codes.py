"""One-time activation codes: made, hashed, stored, and used at the first login."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.models import ActivationCode
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.services.activity import record_activity

# No 0/O, 1/I/L: nothing a parent can misread on paper. 31 symbols × 16 ≈ 79 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4
DEFAULT_CODE_VALID_DAYS = 30
_CODE_HASH_DOMAIN = "klassruk-activation-code:v1"
# A code typed on a Russian keyboard layout: Cyrillic look-alikes become the Latin letters.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХавекмнорстух", "ABEKMHOPCTYXABEKMHOPCTYX")

CODE_EXPIRED_ERROR = (
    "Срок действия кода активации истёк. Попросите классного руководителя выдать новый код."
)
CODE_USED_ERROR = (
    "Этот код активации уже использован. Войдите с паролем, который вы задали при первом входе; "
    "если вы его не помните, попросите классного руководителя выдать новый код."
)
CODE_REPLACED_ERROR = (
    "Этот код активации заменён более новым. Используйте код с последнего выданного листка."
)


def generate_code() -> str:
    """A new random activation code such as 7KQM-P2XD-HW4N-9TRA."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalize_code(typed: str) -> str:
    """The code as stored for hashing: upper-case letters and digits only."""
    latin = typed.translate(_LOOKALIKES).upper()
    return "".join(ch for ch in latin if ch.isascii() and ch.isalnum())


def hash_code(user_id: int, code: str) -> str:
    """SHA-256 of the code bound to its account (a fast hash: the code has ~79 random bits)."""
    payload = f"{_CODE_HASH_DOMAIN}:{user_id}:{normalize_code(code)}"
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


def open_codes(session: Session, user_ids: Collection[int]) -> list[ActivationCode]:
    """Codes of these accounts that are neither used nor revoked yet."""
    if not user_ids:
        return []
    return list(
        session.scalars(
            select(ActivationCode).where(
                ActivationCode.user_id.in_(list(user_ids)),
                ActivationCode.used_at.is_(None),
                ActivationCode.revoked_at.is_(None),
            )
        )
    )


def add_activation_code(
    session: Session, actor: Actor, *, user_id: int, now: datetime, expires_at: datetime
) -> str:
    """Store a new code for the account (hashed) and return its plaintext, shown only once."""
    code = generate_code()
    session.add(
        ActivationCode(
            user_id=user_id,
            code_hash=hash_code(user_id, code),
            issued_at=now,
            expires_at=expires_at,
            issued_by_user_id=actor.user_id,
            issued_by_login=actor.login[:80],
        )
    )
    return code


@dataclass(frozen=True)
class CodeOutcome:
    """Result of a login with a code: activated, or a message if the code was recognised."""

    activated: bool
    error: str | None = None


def activate_with_code(
    session: Session,
    *,
    user: UserAccount,
    code: str,
    now: datetime | None = None,
    session_id: str | None = None,
) -> CodeOutcome:
    """Use the account's current code: mark it used and the account active (password pending)."""
    now = now or utcnow()
    if not normalize_code(code):
        return CodeOutcome(False)
    typed_hash = hash_code(user.id, code)
    matched = next(
        (
            row
            for row in session.scalars(
                select(ActivationCode)
                .where(ActivationCode.user_id == user.id)
                .order_by(ActivationCode.id.desc())
            )
            if hmac.compare_digest(row.code_hash, typed_hash)
        ),
        None,
    )
    if matched is None:
        return CodeOutcome(False)
    if matched.used_at is not None and may_resume_activation(user, matched, now):
        # Activated, but no password was set (the tab closed, the cookie was lost): the code
        # stays usable until the password is set or the code expires; this session may set it.
        matched.used_session_id = session_id
        record_activity(
            session, event="activation_resumed", login=user.login, user_id=user.id,
            session_id=session_id,
        )
        return CodeOutcome(True)
    if matched.used_at is not None and user.password_hash is None and matched.expires_at <= now:
        return CodeOutcome(False, CODE_EXPIRED_ERROR)  # no password was ever set with it
    if matched.used_at is not None:
        return CodeOutcome(False, CODE_USED_ERROR)
    if matched.revoked_at is not None:
        return CodeOutcome(False, CODE_REPLACED_ERROR)
    if matched.expires_at <= now:
        return CodeOutcome(False, CODE_EXPIRED_ERROR)
    if user.status is not AccountStatus.ISSUED:
        return CodeOutcome(False)
    matched.used_at = now
    matched.used_session_id = session_id
    user.status = AccountStatus.ACTIVE
    user.must_change_password = True
    record_activity(
        session, event="account_activated", login=user.login, user_id=user.id,
        session_id=session_id,
    )
    return CodeOutcome(True)


def may_resume_activation(user: UserAccount, code: ActivationCode, now: datetime) -> bool:
    """Whether an activation by this used code may still be finished (no own password yet)."""
    return (
        user.status is AccountStatus.ACTIVE
        and user.password_hash is None
        and user.must_change_password
        and code.revoked_at is None
        and code.expires_at > now
    )


def used_code_message(session: Session, *, user: UserAccount, typed: str) -> str | None:
    """If a failed password is in fact one of the account's old codes, say so plainly."""
    typed_hash = hash_code(user.id, typed)
    for row in session.scalars(select(ActivationCode).where(ActivationCode.user_id == user.id)):
        if hmac.compare_digest(row.code_hash, typed_hash):
            return CODE_USED_ERROR if row.used_at is not None else CODE_REPLACED_ERROR
    return None
