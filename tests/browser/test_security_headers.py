"""serve.py (`python -m klassruk serve`) sends the security headers; the app works under its CSP."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from tests.browser.conftest import account_button, app_server, wait_until_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(database_url: str, server_url: str, tmp_path_factory) -> Iterator[str]:
    """The demo database (seeded by server_url) served through serve.py on another port."""
    with app_server(database_url, tmp_path_factory.mktemp("served-data"), script="serve.py") as url:
        yield url


def test_headers_are_sent_and_the_login_page_works_under_the_policy(browser, served):
    with urllib.request.urlopen(served) as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"] is None  # plain HTTP here

    context = browser.new_context()
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    elsewhere: list[str] = []  # requests to any other host: none may leave the school's server
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((served, "data:", "blob:")) else None)
    try:
        page.goto(served)
        page.get_by_label("Логин").fill("klassruk")
        page.get_by_label("Пароль").fill("Демо-пароль-2026")
        page.get_by_role("button", name="Войти").click()
        account_button(page).first.wait_for(timeout=30_000)
        wait_until_idle(page)
        assert violations == []
        assert elsewhere == []
        icon = page.locator("link[rel='shortcut icon']").get_attribute("href")
        assert icon is not None and icon.startswith("data:image/svg+xml")
    finally:
        context.close()


def test_health_and_metrics_are_answered_by_the_process_itself(served):
    with urllib.request.urlopen(f"{served}/healthz") as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"database": "ok", "schema": "current"}
    urllib.request.urlopen(served).read()  # a page load makes script runs to count
    with urllib.request.urlopen(f"{served}/metrics") as response:
        metrics = response.read().decode()
    for name in ("klassruk_script_run_seconds", "klassruk_failed_logins_total",
                 "klassruk_sessions", "klassruk_errors_total"):
        assert name in metrics
