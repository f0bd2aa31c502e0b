"""A real server believes X-Forwarded-For only from KLASSRUK_TRUSTED_PROXIES (issue 22)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from klassruk.infra.db import make_engine
from klassruk.models.logs import ActivityLog
from tests.browser.conftest import app_server, wait_until_idle

pytestmark = pytest.mark.browser

FORGED = "198.51.100.23"  # a victim's address a client writes into its own request


def _failed_login_address(browser, url: str, database_url: str) -> str | None:
    """Fail one login from this machine with a forged X-Forwarded-For; the address logged."""
    login = f"probe-{uuid.uuid4().hex[:8]}"
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": FORGED})
    page = context.new_page()
    try:
        page.goto(url)
        page.get_by_label("Логин").fill(login)
        page.get_by_label("Пароль").fill("не тот пароль")
        page.get_by_role("button", name="Войти").click()
        page.get_by_text("Неверный логин или пароль").wait_for()
        wait_until_idle(page, settle_ms=300)
    finally:
        context.close()
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                select(ActivityLog.client_address).where(ActivityLog.login == login)
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("trusted_proxies", "logged"),
    [
        ("", "127.0.0.1"),  # no proxy configured: the TCP peer, whatever the header says
        ("10.0.0.5", "127.0.0.1"),  # a proxy elsewhere: this peer is not it
        ("127.0.0.1", FORGED),  # the peer is our proxy: the client it names
    ],
)
def test_forwarded_for_is_believed_only_from_the_configured_proxy(
    browser, server_url, database_url, tmp_path, trusted_proxies, logged
):
    env = {"KLASSRUK_TRUSTED_PROXIES": trusted_proxies}
    with app_server(database_url, tmp_path, script="serve.py", env=env) as url:
        assert _failed_login_address(browser, url, database_url) == logged
