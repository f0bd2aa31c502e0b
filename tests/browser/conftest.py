"""A real `streamlit run` server on a demo database, and headless Debian Chromium."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from deploy.cluster import free_ports, streamlit_server
from klassruk.access.permissions import Actor
from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import DEMO_PASSWORD, SMALL
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from tests.frozen import real_time

COOKIE_DAYS = 7
CHROMIUM = os.environ.get("KLASSRUK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session", autouse=True)
def lasting_login_cookie() -> Iterator[None]:
    """Chromium keeps the real clock: the login cookie the app issues must outlive the gap to it."""
    days_behind = max(0.0, real_time() - utcnow().timestamp()) / 86_400
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KLASSRUK_COOKIE_EXPIRY_DAYS", str(COOKIE_DAYS + days_behind))
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite file the browser tests' server uses."""
    return f"sqlite:///{tmp_path_factory.getbasetemp() / 'browser.sqlite3'}"


@contextmanager
def app_server(
    database_url: str, data_dir: Path, *, script: str = "app.py", env: dict[str, str] | None = None
) -> Iterator[str]:
    """`python -m klassruk serve` of `script`, as deployed, on a free port; stopped on exit."""
    settings = {
        "DATABASE_URL": database_url,
        "KLASSRUK_DATA_DIR": str(data_dir),
        "KLASSRUK_PASSWORD_HASH_COST": "test",
        **(env or {}),
    }
    (port,) = free_ports()
    with streamlit_server(script, port, settings, data_dir / "server.log") as server:
        yield server.url


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[str]:
    """A demo school served by a real streamlit process on a free local port."""
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine), Actor.system("test")) as session:
        seed_demo_school(session, size=SMALL)
    engine.dispose()
    with app_server(database_url, tmp_path_factory.mktemp("browser-data")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def wait_until_idle(page: object, settle_ms: int = 1000) -> None:
    """Let Streamlit finish its runs, including the one the cookie component triggers.

    A click that lands while a component-triggered rerun is starting can be dropped by
    Streamlit; people are slower than Playwright, so the tests wait as they would.
    """
    page.wait_for_timeout(settle_ms)  # type: ignore[attr-defined]
    # A login (or logout) is done once the cookie component reported and was taken away: its
    # report reruns the page, which would close a drop-down the test has just opened.
    page.locator('iframe[title*="klassruk_cookie"]').wait_for(state="detached")  # type: ignore[attr-defined]
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")  # type: ignore[attr-defined]


def account_button(page: Any) -> Any:
    """What a logged-in page shows: the user's popover in the sidebar (staff) or «Меню»."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stPopoverButton"]').or_(
        page.get_by_role("button", name="Меню", exact=True)
    )


def sign_out(page: Any) -> None:
    """Click «Выйти» inside the account's popover (staff) or the «Меню» (families)."""
    account_button(page).first.click()
    page.get_by_role("button", name="Выйти").click()


def log_in_at(page: Any, url: str, login: str, heading: str) -> None:
    """Open `url`, log in through the form with the demo password, wait for the page."""
    page.goto(url)
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_until_idle(page)


def open_options(page: Any, combobox: Any, attempts: int = 3) -> Any:
    """Open a drop-down and return its options; opened again if a late rerun closed it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    options = page.get_by_role("option")
    for attempt in range(attempts):
        wait_until_idle(page, settle_ms=300)
        combobox.click()
        try:
            options.first.wait_for(timeout=5_000)
            return options
        except PlaywrightTimeout:  # a rerun redrew the widget and closed its list: open it again
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
    return options


def choose_person(page: Any, name: str) -> None:
    """Pick one person by name in «Реквизиты доступа»'s «Выбрать людей»."""
    people = page.get_by_role("combobox", name="Выбрать людей")
    open_options(page, people)
    people.fill(name)
    page.get_by_role("option", name=re.compile(re.escape(name))).first.click()
    page.keyboard.press("Escape")


def issue_to_chosen(page: Any, tmp_path: Path) -> str:
    """Issue codes to the chosen people and return the text of the downloaded slips PDF."""
    from pypdf import PdfReader

    page.get_by_role("button", name="Выдать (заново) выбранным").click()
    page.get_by_text("Реквизиты выданы: 1").first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("листки|PDF", re.IGNORECASE)).click()
    slips = tmp_path / "slips.pdf"
    download.value.save_as(slips)
    return "\n".join(p.extract_text() for p in PdfReader(slips).pages)
