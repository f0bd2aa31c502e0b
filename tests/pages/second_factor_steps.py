"""AppTest steps of the second factor shared by the login, profile and enrolment page tests."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy.orm import Session, sessionmaker
from streamlit.testing.v1 import AppTest

from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.services.second_factor import confirm_enrolment, start_enrolment
from tests.factories import actor_of


def enrol_on_page(at: AppTest) -> tuple[str, list[str]]:
    """Start enrolment, read the key shown, confirm with the app's code; the key and codes."""
    start = [b for b in at.button if b.label == "Подключить второй фактор"]
    if start:  # a key already offered stays on screen until it is confirmed
        start[0].click().run()
    secret = next(c.value for c in at.code if len(c.value.replace(" ", "")) == 32)
    secret = secret.replace(" ", "")
    at.text_input(key="totp_code").input(pyotp.TOTP(secret).now())
    next(b for b in at.button if b.label == "Подключить").click().run()
    assert not at.exception
    codes = next(c.value for c in at.code if "\n" in c.value).split("\n")
    return secret, codes


def next_code(secret: str) -> str:
    """The app's code of the next 30-second step: within the window, never the one just used."""
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))


def enrol_in_database(factory: sessionmaker[Session], login: str) -> tuple[str, list[str]]:
    """Switch the second factor on for a demo account, as its owner would; the key and codes."""
    with factory() as session:
        actor = actor_of(session, login)
    earlier = utcnow() - timedelta(minutes=2)  # its step is long past when the test logs in
    with unit_of_work(factory, actor) as session:
        setup = start_enrolment(session, actor)
        code = pyotp.TOTP(setup.secret).at(earlier)
        codes = confirm_enrolment(session, actor, setup=setup, code=code, now=earlier)
    return setup.secret, codes


def submit_code(at: AppTest, code: str) -> AppTest:
    """Type a code into the login's second step and confirm it."""
    at.text_input(key="login_code").input(code)
    return next(b for b in at.button if b.label == "Подтвердить").click().run()
