"""AppTest: the login cookie's options as the cookie component receives them (issue 22)."""

from __future__ import annotations

import json

import pytest

from klassruk.infra.db import unit_of_work
from klassruk.services.school_settings import APP_URL_KEY, set_setting
from tests.factories import SYSTEM
from tests.pages.conftest import login, open_app


def _cookie_written(at) -> dict:
    """The arguments of the cookie component mounted after the login."""
    [writer] = [e for e in at.get("component_instance") if e.proto.component_name.endswith(
        "klassruk_cookie"
    )]
    arguments = json.loads(writer.proto.json_args)
    assert arguments["method"] == "set"
    return arguments["options"]


@pytest.mark.parametrize(
    ("in_the_app", "in_the_environment", "secure"),
    [
        ("https://journal.school.example", "http://localhost:8501", True),
        ("http://10.1.2.3:8501", "https://journal.school.example", False),
        ("", "https://journal.school.example", True),  # not set in the app yet: the default
        ("", "http://localhost:8501", False),
    ],
)
def test_the_cookie_is_secure_exactly_when_the_schools_address_is_https(
    demo_app, factory, monkeypatch, in_the_app, in_the_environment, secure
):
    monkeypatch.setenv("KLASSRUK_APP_URL", in_the_environment)
    with unit_of_work(factory, SYSTEM) as session:
        set_setting(session, APP_URL_KEY, in_the_app)
    options = _cookie_written(login(open_app(), "klassruk"))
    assert options.get("secure", False) is secure
    assert options["sameSite"] == "strict" and options["path"] == "/"
