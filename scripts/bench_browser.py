"""Full-load and switch times in Chromium: Klassruk's class journal against an empty page.

    .venv/bin/python scripts/bench_browser.py --database-url sqlite:////tmp/large.sqlite3

Starts Klassruk and, in the same run, scripts/bench_empty_app.py (an empty page and a page
with one data frame), then measures in headless Debian Chromium, median of --repeats:
- full load: navigation start to the first data frame visible (the empty app's frame page;
  /class_journal for a logged-in class teacher, whose cookie is already set);
- switch: a sidebar click to the data frame visible (empty → frame; Главная → Журнал класса).

Both are read from the page's own clock at the first animation frame that shows the frame:
Playwright's own waits poll every 500 ms after the first 270 ms, which turned a few
milliseconds' difference into a 500-ms step and made loads look bimodal (~500 or ~1,000 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright

from deploy.cluster import run_cluster, streamlit_server
from klassruk.demo import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

FRAME = '[data-testid="stDataFrame"]'
EMPTY_APP = Path(__file__).resolve().parent / "bench_empty_app.py"


# Milliseconds on the page's clock (0 = navigation start) when the first data frame has a box.
FRAME_VISIBLE_AT = f"""() => {{
    const frame = document.querySelector('{FRAME}');
    if (!frame) return false;
    const box = frame.getBoundingClientRect();
    return box.width > 0 && box.height > 0 ? performance.now() : false;
}}"""
# The page's clock at the user's click, recorded before Streamlit handles it.
RECORD_CLICKS = (
    "document.addEventListener('click', () => { window.clickedAt = performance.now(); }, true)"
)


def _frame_visible_at(page: Page) -> float:
    return float(page.wait_for_function(FRAME_VISIBLE_AT, polling="raf").json_value())


def _settle(page: Page) -> None:
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def _full_load(page: Page, url: str) -> float:
    page.goto(url, wait_until="commit")
    return _frame_visible_at(page)


def _switch(page: Page, start_url: str, start_heading: str, link: str) -> float:
    page.goto(start_url)
    page.get_by_role("heading", name=start_heading, exact=True).first.wait_for()
    _settle(page)
    page.get_by_role("link", name=link).first.click()
    return _frame_visible_at(page) - float(page.evaluate("window.clickedAt"))


def main() -> None:
    """Start both apps, log in once, time loads and switches."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8680)
    parser.add_argument("--login", default="klassruk")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    log = Path(f"/tmp/klassruk-bench-empty-{args.port + 2}.log")
    with (
        run_cluster(processes=1, database_url=args.database_url, port=args.port,
                    app_port=args.port + 1) as cluster,
        streamlit_server(str(EMPTY_APP), args.port + 2, {}, log) as empty,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ru-RU")
        context.add_init_script(RECORD_CLICKS)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(cluster.url)
        page.get_by_label("Логин").fill(args.login)
        page.get_by_label("Пароль").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("heading", name="Главная", exact=True).first.wait_for()
        while not any(c["name"] == "klassruk_auth" for c in context.cookies()):
            page.wait_for_timeout(200)
        _settle(page)

        results: dict[str, list[float]] = {k: [] for k in ("empty", "journal", "es", "js")}
        for _ in range(args.repeats):
            results["empty"].append(_full_load(page, f"{empty.url}/frame"))
            _settle(page)
            results["journal"].append(_full_load(page, f"{cluster.url}/class_journal"))
            _settle(page)
            results["es"].append(_switch(page, empty.url, "Пустая страница",
                                         "Таблица"))
            results["js"].append(_switch(page, cluster.url, "Главная", "Журнал класса"))
            _settle(page)
        browser.close()

    empty_load, journal_load, empty_switch, journal_switch = (
        statistics.median(results[key]) for key in ("empty", "journal", "es", "js")
    )
    print(f"median of {args.repeats}, Chromium, data frame visible:")
    print(f"  full load: empty page with one frame {empty_load:.0f} ms; "
          f"class journal {journal_load:.0f} ms ({journal_load / empty_load:.2f}×)")
    print(f"  switch:    to the empty app's frame page {empty_switch:.0f} ms; "
          f"Главная → Журнал класса {journal_switch:.0f} ms")


if __name__ == "__main__":
    main()
