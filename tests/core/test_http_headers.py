"""Security headers: one list for serve.py and nginx; the snippet file is that list."""

from __future__ import annotations

from pathlib import Path

from klassruk.infra.http_headers import COMPONENT_PATH, headers_for, nginx_snippet

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_nginx_snippet_files_are_generated_from_the_list():
    assert (DEPLOY / "security-headers.conf").read_text(encoding="utf-8") == nginx_snippet()
    components = (DEPLOY / "security-headers-components.conf").read_text(encoding="utf-8")
    assert components == nginx_snippet(COMPONENT_PATH)


def test_only_the_app_itself_may_frame_its_component_frontends():
    framed = headers_for(https=False, path="/component/klassruk_cookie/index.html")
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert framed["X-Frame-Options"] == "SAMEORIGIN"


def test_framing_sniffing_and_referrer_are_closed_and_hsts_only_over_https():
    plain = headers_for(https=False)
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]
    assert plain["X-Frame-Options"] == "DENY"
    assert plain["X-Content-Type-Options"] == "nosniff"
    assert plain["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in plain
    assert headers_for(https=True)["Strict-Transport-Security"].startswith("max-age=")
