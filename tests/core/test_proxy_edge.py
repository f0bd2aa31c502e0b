"""The edge between the network and the app: listen address, proxies, HSTS, framing (issue 22)."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Role
from klassruk.infra.db import unit_of_work
from klassruk.infra.http_headers import SecurityHeadersMiddleware, is_component_path, nginx_snippet
from klassruk.infra.settings import (
    SERVER_TRUST_VARIABLE,
    ConfigurationError,
    check_server_trust,
    load_settings,
    parse_proxies,
    server_trust,
)
from klassruk.services.accounts.login import LockoutPolicy
from klassruk.services.school_settings import (
    APP_URL_KEY,
    SchoolAddressReader,
    school_address,
    served_over_https,
    set_setting,
)
from klassruk.services.throttling import ThrottlePolicy, client_address_from, is_loopback
from tests.conftest import SYSTEM
from tests.factories import attempt_login, make_account

ROOT = Path(__file__).resolve().parents[2]
PROXY = "10.0.0.5"


def test_the_app_listens_on_this_machine_only_unless_told_otherwise():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def test_forwarded_for_counts_only_from_a_configured_proxy():
    proxies = parse_proxies("10.0.0.0/24, ::1")
    # A client that reaches the app directly cannot choose its address.
    assert client_address_from(peer="203.0.113.7", forwarded_for="198.51.100.1",
                               proxies=proxies) == "203.0.113.7"
    # Through our proxy: the entry the proxy appended, not what the client wrote before it.
    assert client_address_from(peer=PROXY, forwarded_for="198.51.100.1, 203.0.113.7",
                               proxies=proxies) == "203.0.113.7"
    # Through two of our proxies: the nearest entry that is not one of them.
    assert client_address_from(peer=PROXY, forwarded_for="203.0.113.7, 10.0.0.9",
                               proxies=proxies) == "203.0.113.7"
    # Garbage in the chain is not believed: the proxy's own address stands.
    assert client_address_from(peer=PROXY, forwarded_for="<script>", proxies=proxies) == PROXY
    # Without configured proxies nothing is forwarded, loopback included.
    assert client_address_from(peer="127.0.0.1", forwarded_for="198.51.100.1",
                               proxies=()) == "127.0.0.1"
    with pytest.raises(ConfigurationError, match="KLASSRUK_TRUSTED_PROXIES"):
        parse_proxies("10.0.0.0/24, nginx")


def test_the_proxy_list_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("KLASSRUK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KLASSRUK_TRUSTED_PROXIES", "127.0.0.1 192.168.10.0/24")
    assert load_settings(tmp_path / "none.toml").trusted_proxies == (
        "127.0.0.1/32", "192.168.10.0/24"
    )


def test_the_web_server_may_trust_no_peer_that_is_not_our_proxy():
    # uvicorn's own default trusts loopback: with no proxy configured that is one too many.
    with pytest.raises(ConfigurationError, match="python -m klassruk serve"):
        check_server_trust((), {})
    check_server_trust((), {SERVER_TRUST_VARIABLE: server_trust(())})
    ours = parse_proxies("127.0.0.1, 10.0.0.0/24")
    check_server_trust(ours, {SERVER_TRUST_VARIABLE: server_trust(ours)})
    check_server_trust(ours, {SERVER_TRUST_VARIABLE: "10.0.0.5"})  # fewer is safe: we read XFF
    for wider in ("127.0.0.1,::1", "*", "10.0.0.0/16", "nginx"):
        with pytest.raises(ConfigurationError, match=SERVER_TRUST_VARIABLE):
            check_server_trust(ours, {SERVER_TRUST_VARIABLE: wider})


def test_loopback_is_never_throttled_ipv4_mapped_included(factory: sessionmaker[Session]):
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("::1") and is_loopback("127.0.0.2")
    assert not is_loopback("203.0.113.7") and not is_loopback(None)
    throttle = ThrottlePolicy(address_failures=2, window_minutes=15, max_delay_minutes=15,
                              school_alert_failures=1000)
    with unit_of_work(factory, SYSTEM) as session:
        make_account(session, "parent", {Role.GUARDIAN})
    for address, held in (("::ffff:127.0.0.1", False), ("203.0.113.7", True)):
        results = [
            attempt_login(factory, "parent", f"wrong {n}", client_address=address,
                          policy=LockoutPolicy(max_failures=100), throttle=throttle)
            for n in range(5)
        ]
        assert ("Слишком много" in (results[-1].error or "")) is held


def test_nginx_sends_hsts_only_over_https():
    template = (ROOT / "deploy" / "nginx" / "klassruk.conf.template").read_text(encoding="utf-8")
    assert 'map $scheme $klassruk_hsts {\n    https   "max-age=' in template
    assert '    default "";\n}' in template.split("map $scheme $klassruk_hsts", 1)[1]
    for snippet in (nginx_snippet(), nginx_snippet("/component/")):
        hsts = [line for line in snippet.splitlines() if "Strict-Transport-Security" in line]
        # The app's own HSTS is dropped; nginx's is empty (not sent) unless the scheme is https.
        assert hsts == ["proxy_hide_header Strict-Transport-Security;",
                        "add_header Strict-Transport-Security $klassruk_hsts always;"]


def test_only_the_real_component_path_may_be_framed():
    assert is_component_path("/component/klassruk_cookie/index.html")
    assert not is_component_path("/evil/component/x") and not is_component_path("/app/component/")


def _response_headers(middleware: SecurityHeadersMiddleware, path: str) -> dict[str, str]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    asyncio.run(middleware({"type": "http", "path": path}, receive, send))
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def test_hsts_and_framing_follow_the_school_address_per_response():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})

    https = [False]
    middleware = SecurityHeadersMiddleware(app, https=lambda: https[0])
    assert "strict-transport-security" not in _response_headers(middleware, "/")
    https[0] = True
    assert _response_headers(middleware, "/")["strict-transport-security"].startswith("max-age")
    assert _response_headers(middleware, "/x/component/y")["x-frame-options"] == "DENY"
    assert _response_headers(middleware, "/component/y")["x-frame-options"] == "SAMEORIGIN"


def test_the_school_address_is_the_admins_setting_else_the_deployments(
    factory: sessionmaker[Session], database_url: str, frozen_clock
):
    assert school_address("", "http://localhost:8501") == "http://localhost:8501"
    assert school_address("https://school.example", "http://x") == "https://school.example"
    assert served_over_https("HTTPS://school.example") and not served_over_https("http://a")
    reader = SchoolAddressReader(database_url, "http://localhost:8501", ttl=timedelta(seconds=30))
    assert reader() == "http://localhost:8501"
    with unit_of_work(factory, SYSTEM) as session:
        set_setting(session, APP_URL_KEY, "https://journal.school.example")
    assert reader() == "http://localhost:8501"  # read again after the ttl only
    frozen_clock.shift(timedelta(seconds=31))
    assert reader() == "https://journal.school.example"
    # A database without tables yet: the deployment's address.
    assert SchoolAddressReader("sqlite:///:memory:", "http://a", ttl=timedelta(0))() == "http://a"
