"""Login, sessions and restricted pages in a real browser against a real server."""

from __future__ import annotations

import base64

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from components.kit.nav import HOME, PAGES
from klassruk.demo.catalogue import DEMO_PASSWORD
from tests.browser.conftest import account_button, sign_out, wait_until_idle

pytestmark = pytest.mark.browser
TIMEOUT_MS = 30_000


def _log_in(page, login: str) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти").click()


def _heading(page, title: str):
    # While Streamlit swaps pages, the old and the new heading can both be in the DOM.
    return page.get_by_role("heading", name=title, exact=True).first


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.mark.parametrize("spec", [s for s in PAGES if s is not HOME], ids=lambda s: s.url_path)
def test_logged_out_visitor_sees_no_restricted_content(page, server_url, spec):
    page.goto(f"{server_url}/{spec.url_path}")
    page.get_by_label("Логин").first.wait_for()
    page.wait_for_timeout(500)
    assert _heading(page, spec.title).count() == 0
    assert account_button(page).count() == 0
    body = page.inner_text("body")
    assert "Журнал изменений" not in body and "Пользователи" not in body


def test_class_teacher_logs_in_and_a_reload_keeps_the_session(page, server_url):
    page.goto(server_url)
    _log_in(page, "klassruk")
    _heading(page, "Главная").wait_for()
    page.get_by_text("Мой класс").first.wait_for()
    page.wait_for_timeout(1500)  # let the cookie component write the cookie
    page.reload()
    _heading(page, "Главная").wait_for()
    assert page.get_by_label("Логин").count() == 0


def test_cookie_replayed_after_logout_does_not_log_in(browser, page, server_url):
    page.goto(server_url)
    _log_in(page, "roditel")
    _heading(page, "Главная").wait_for()
    page.wait_for_timeout(1500)
    captured = [c for c in page.context.cookies() if c["name"] == "klassruk_auth"]
    assert captured, "the login did not set the session cookie"
    sign_out(page)
    page.get_by_label("Логин").first.wait_for()

    replay = browser.new_context()
    try:
        replay.add_cookies(captured)
        other = replay.new_page()
        other.set_default_timeout(TIMEOUT_MS)
        other.goto(server_url)
        other.get_by_label("Логин").first.wait_for()
        other.wait_for_timeout(1000)
        assert _heading(other, "Главная").count() == 0
    finally:
        replay.close()


def test_deep_link_opened_logged_out_lands_there_after_login(page, server_url):
    page.goto(f"{server_url}/users")
    page.get_by_label("Логин").first.wait_for()
    _log_in(page, "admin")
    _heading(page, "Пользователи").wait_for()


# Counts, after every DOM change, how many login fields and «Главная» headings the page holds.
_COUNT_COPIES = """
window.mostCopies = {login: 0, home: 0};
new MutationObserver(() => {
  const login = document.querySelectorAll('input[aria-label="Логин"]').length;
  const home = [...document.querySelectorAll('h1')].filter(h => h.innerText.trim() === 'Главная')
    .length;
  window.mostCopies.login = Math.max(window.mostCopies.login, login);
  window.mostCopies.home = Math.max(window.mostCopies.home, home);
}).observe(document, {childList: true, subtree: true});
"""


def test_the_cookie_round_trip_never_shows_a_page_twice(page, server_url):
    """Writing or deleting the cookie reruns the page; its elements must not shift and double."""
    page.goto(server_url)
    page.get_by_label("Логин").first.wait_for()
    page.evaluate(_COUNT_COPIES)
    _log_in(page, "klassruk")
    _heading(page, "Главная").wait_for()
    wait_until_idle(page)
    sign_out(page)
    page.get_by_label("Логин").first.wait_for()
    wait_until_idle(page)
    assert page.evaluate("window.mostCopies") == {"login": 1, "home": 1}


# Keeps every message the page sends on its WebSocket (base64), from the moment it is reset.
_KEEP_SENT = """(() => {
  window.sentMessages = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function(data) {
    const bytes = ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    window.sentMessages.push(btoa(String.fromCharCode(...bytes)));
    return send.call(this, data);
  };
})();"""


def _reruns_sent(page) -> list[str]:
    """The fragment id of every rerun the page asked for since the last reset ("" = the page)."""
    sent = page.evaluate("window.sentMessages")
    messages = [BackMsg.FromString(base64.b64decode(message)) for message in sent]
    page.evaluate("window.sentMessages = []")
    return [m.rerun_script.fragment_id for m in messages if m.WhichOneof("type") == "rerun_script"]


def test_the_cookies_write_and_delete_rerun_only_their_fragment(page, server_url):
    # The browser's report that the cookie is written (or deleted) reruns the cookie's fragment:
    # a login or a logout runs the page once, not twice.
    page.add_init_script(_KEEP_SENT)
    page.goto(server_url)
    page.get_by_label("Логин").first.wait_for()
    wait_until_idle(page)
    _reruns_sent(page)
    _log_in(page, "klassruk")
    _heading(page, "Главная").wait_for()
    wait_until_idle(page)
    after_login = _reruns_sent(page)
    assert any(c["name"] == "klassruk_auth" for c in page.context.cookies())
    sign_out(page)
    page.get_by_label("Логин").first.wait_for()
    wait_until_idle(page)
    after_logout = _reruns_sent(page)
    assert not any(c["name"] == "klassruk_auth" for c in page.context.cookies())
    for reruns in (after_login, after_logout):
        assert reruns.count("") == 1, reruns
        assert len(reruns) == 2 and reruns[1], reruns
