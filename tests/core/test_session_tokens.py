"""The login cookie's token: only our intact, current HS256 token counts; all else is absent."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from klassruk.access.session_tokens import SessionToken, decode_session_token, encode_session_token

KEY = "k" * 64
NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
CLAIMS = {"username": "ivanov.petr", "exp_date": (NOW + timedelta(days=7)).timestamp()}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _decode(raw: object) -> SessionToken | None:
    return decode_session_token(raw, key=KEY, expiry_days=7, now=NOW)


def test_round_trip_carries_login_issue_time_and_session_id():
    token = SessionToken("ivanov.petr", NOW - timedelta(hours=1), "ab" * 16)
    raw = encode_session_token(token, key=KEY, expiry_days=7)
    assert _decode(raw) == token


def test_cookie_of_the_library_is_still_read():
    # What streamlit-authenticator wrote before: issue time is expiry − lifetime.
    decoded = _decode(jwt.encode(CLAIMS, KEY, algorithm="HS256"))
    assert decoded == SessionToken("ivanov.petr", NOW, None)


@pytest.mark.parametrize(
    "raw",
    [
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(CLAIMS) + ".",
        jwt.encode(CLAIMS, KEY, algorithm="HS512"),
        jwt.encode(CLAIMS, "wrong key" * 5, algorithm="HS256"),
        jwt.encode({**CLAIMS, "exp_date": NOW.timestamp() - 1}, KEY, algorithm="HS256"),
        jwt.encode({**CLAIMS, "username": ["admin"]}, KEY, algorithm="HS256"),
        jwt.encode({**CLAIMS, "exp_date": "завтра"}, KEY, algorithm="HS256"),
        jwt.encode({**CLAIMS, "exp_date": 1e300}, KEY, algorithm="HS256"),
        "garbage", "a.b.c", "", "🍪" * 3000, None, 42,
    ],
    ids=["alg-none", "hs512", "wrong-key", "expired", "login-not-text", "expiry-not-number",
         "expiry-overflow", "garbage", "three-dots", "empty", "huge", "none", "number"],
)
def test_anything_else_is_no_token(raw):
    assert _decode(raw) is None


def test_foreign_session_id_is_dropped_not_trusted():
    raw = jwt.encode({**CLAIMS, "sid": "../../etc"}, KEY, algorithm="HS256")
    decoded = _decode(raw)
    assert decoded is not None and decoded.session_id is None
