"""The login cookie's token: an HS256 JWT with the login, its issue time and the session id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from klassruk.clock import utcnow

ALGORITHM = "HS256"
_SESSION_ID = re.compile(r"^[0-9a-f]{16,64}$")


@dataclass(frozen=True)
class SessionToken:
    """Who the cookie stands for, since when, and which browser session it carries on."""

    login: str
    issued_at: datetime
    session_id: str | None = None


def encode_session_token(token: SessionToken, *, key: str, expiry_days: float) -> str:
    """The signed cookie value (claims named as streamlit-authenticator names them)."""
    expires = token.issued_at + timedelta(days=expiry_days)
    claims: dict[str, object] = {
        "username": token.login,
        "exp_date": expires.timestamp(),
        "iat": token.issued_at.timestamp(),
    }
    if token.session_id is not None:
        claims["sid"] = token.session_id
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def decode_session_token(
    raw: object, *, key: str, expiry_days: float, now: datetime | None = None
) -> SessionToken | None:
    """The token if it is ours, intact and current; anything else is no token at all."""
    if not isinstance(raw, str) or not raw or len(raw) > 4096:
        return None
    try:
        # Only HS256 with our key: alg=none, HS512, RS256 and garbage all end up here.
        claims = jwt.decode(raw, key, algorithms=[ALGORITHM])
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    login, expires, issued = claims.get("username"), claims.get("exp_date"), claims.get("iat")
    session_id = claims.get("sid")
    if not isinstance(login, str) or not login or not _is_number(expires):
        return None
    now = now or utcnow()
    try:
        expires_at = datetime.fromtimestamp(float(expires), UTC)  # type: ignore[arg-type]
        # Older cookies carry only the expiry: issue time = expiry − lifetime.
        issued_at = (
            datetime.fromtimestamp(float(issued), UTC)  # type: ignore[arg-type]
            if _is_number(issued)
            else expires_at - timedelta(days=expiry_days)
        )
    except (OverflowError, OSError, ValueError):
        return None
    if expires_at <= now or issued_at > now + timedelta(minutes=5):
        return None
    if not (isinstance(session_id, str) and _SESSION_ID.match(session_id)):
        session_id = None
    return SessionToken(login=login, issued_at=issued_at, session_id=session_id)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
