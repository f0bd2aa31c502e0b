"""Two app processes behind nginx on one database: sticky sessions, shared login, revocation.

Runs on TEST_DATABASE_URL (PostgreSQL in CI) when it is set, else on a SQLite file.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

import pytest

from deploy.cluster import Cluster, free_ports, run_cluster
from klassruk.access.permissions import Actor
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DEMO_PASSWORD, SMALL
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from tests.browser.conftest import sign_out
from tests.conftest import reset_postgres_schema

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('cluster') / 'cluster.sqlite3'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    with unit_of_work(make_session_factory(engine), Actor.system("test")) as session:
        seed_demo_school(session, size=SMALL)
    engine.dispose()
    port, app_port, _ = free_ports(3)
    with run_cluster(
        processes=2,
        database_url=url,
        port=port,
        app_port=app_port,
        env={"KLASSRUK_PASSWORD_HASH_COST": "test"},
    ) as running:
        yield running


def _open(browser, url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return context, page


def _log_in(page, login: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name="Главная", exact=True).first.wait_for()


def _wait_for_login_cookie(page) -> None:  # type: ignore[no-untyped-def]
    # The cookie component writes it from an iframe a moment after the login (slow under load).
    for _ in range(60):
        if any(c["name"] == "klassruk_auth" for c in page.context.cookies()):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the login cookie was never written")


def test_proxy_sends_security_headers_and_a_route_cookie(cluster):
    with urllib.request.urlopen(cluster.url + "/") as response:
        headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "klassruk_route=" in headers["Set-Cookie"]


@pytest.mark.parametrize("revoking_process", [0, 1])
def test_login_through_the_proxy_is_revoked_by_a_logout_on_either_process(
    browser, cluster, revoking_process
):
    login = ("roditel", "uchenik")[revoking_process]
    user, user_page = _open(browser, cluster.url)
    other, other_page = _open(browser, cluster.apps[revoking_process].url)
    try:
        _log_in(user_page, login)
        # A reload through the proxy keeps the session (websocket upgrade, cookie, same key).
        _wait_for_login_cookie(user_page)
        user_page.reload()
        user_page.get_by_role("heading", name="Главная", exact=True).first.wait_for()

        _log_in(other_page, login)
        sign_out(other_page)
        other_page.get_by_label("Логин").first.wait_for()

        # Whichever process holds the first browser, its cookie no longer logs in there.
        user_page.reload()
        user_page.get_by_label("Логин").first.wait_for()
        assert user_page.get_by_role("heading", name="Главная", exact=True).count() == 0
    finally:
        user.close()
        other.close()
