"""Health and Prometheus metrics of one app process, served by serve.py on /healthz and /metrics.

Each Streamlit process keeps its own figures: scrape every process on its own port (the
systemd units listen on 127.0.0.1:8601…), not through nginx, which keeps a browser on one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text

from klassruk.infra.db import make_engine
from klassruk.infra.schema import SchemaState, schema_state

SCRIPT_RUN_SECONDS = Histogram(
    "klassruk_script_run_seconds",
    "Server time of one script run (a page drawn for one user).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ERRORS = Counter("klassruk_errors_total", "Errors shown to users, by kind.", ["kind"])
FAILED_LOGINS = Counter("klassruk_failed_logins_total", "Refused login attempts.")
SESSIONS = Gauge("klassruk_sessions", "Browser sessions connected to this process.")

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"


def health(database_url: str) -> tuple[bool, dict[str, str]]:
    """Whether this process can serve: the database answers and its schema fits the code."""
    try:
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
        state = schema_state(database_url)
    except Exception as error:  # any failure to reach the database is "not healthy"
        return False, {"database": "unavailable", "error": type(error).__name__}
    return state is SchemaState.CURRENT, {"database": "ok", "schema": state.value}


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class OperationsMiddleware:
    """Answers /healthz (JSON, 200 or 503) and /metrics (Prometheus) before Streamlit does."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], database_url: str
    ) -> None:
        self.app, self.database_url = app, database_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path == HEALTH_PATH:
            # Off the event loop: every browser session of this process is served by it.
            ok, body = await asyncio.to_thread(health, self.database_url)
            await _respond(send, 200 if ok else 503, "application/json", json.dumps(body).encode())
        elif path == METRICS_PATH:
            await _respond(send, 200, CONTENT_TYPE_LATEST, generate_latest())
        else:
            await self.app(scope, receive, send)


async def _respond(send: Send, status: int, content_type: str, body: bytes) -> None:
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
