"""Security headers of every HTTP response: one list, used by serve.py and the nginx snippet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

# Streamlit's frontend needs inline scripts and styles (its index.html, emotion), eval (Vega
# charts), same-origin iframes for components, blob: workers, data: images (the tab's icon too)
# and fonts; nothing is loaded from another host.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Sent only when the app is served over HTTPS (a browser ignores it over HTTP anyway).
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


# The frontends of custom components (the login cookie's) are framed by the app itself.
COMPONENT_PATH = "/component/"
# nginx's variable holding HSTS on HTTPS requests and nothing on plain HTTP (an empty value
# sends no header): deploy/nginx/klassruk.conf.template defines it with a map on $scheme.
NGINX_HSTS_VARIABLE = "$klassruk_hsts"


def is_component_path(path: str) -> bool:
    """Whether the request is for Streamlit's component frontends (not any path naming one)."""
    return path.startswith(COMPONENT_PATH)


def headers_for(*, https: bool, path: str = "/") -> dict[str, str]:
    """The headers a response carries: nobody may frame the app, only the app its components."""
    headers = {**SECURITY_HEADERS, **(dict([HSTS]) if https else {})}
    if is_component_path(path):
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "frame-ancestors 'none'", "frame-ancestors 'self'"
        )
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return headers


def nginx_snippet(path: str = "/") -> str:
    """deploy/security-headers*.conf: the same headers for nginx's HTTPS server block.

    `include security-headers.conf;` in the app's locations and
    `include security-headers-components.conf;` in `location ^~ /component/`.
    """
    headers = headers_for(https=False, path=path)
    lines = ["# Generated from klassruk/infra/http_headers.py (tests/core/test_http_headers.py)."]
    # serve.py behind nginx sends the same list, HSTS by the school's address: nginx alone
    # decides at the edge, by the request's own scheme, and each header is sent once.
    lines += [f"proxy_hide_header {name};" for name in (*headers, HSTS[0])]
    lines += [f'add_header {name} "{value}" always;' for name, value in headers.items()]
    # HSTS only on HTTPS requests: a browser must never learn it from a plain-HTTP answer.
    lines.append(f"add_header {HSTS[0]} {NGINX_HSTS_VARIABLE} always;")
    return "\n".join(lines) + "\n"


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SecurityHeadersMiddleware:
    """ASGI middleware adding the headers to every HTTP response (websockets pass untouched)."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *,
        https: Callable[[], bool],
    ):
        self.app = app
        # Asked per response: the school's address (and so HTTPS) can change while running.
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extra = [
            (name.lower().encode(), value.encode())
            for name, value in headers_for(https=self.https(), path=scope["path"]).items()
        ]

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
