"""Full-load and switch times in Chromium: Klassruk's class journal against an empty page.

    .venv/bin/python scripts/bench_browser.py --database-url sqlite:////tmp/large.sqlite3

Starts Klassruk and, in the same run, scripts/bench_empty_app.py (an empty page and a page
with one data frame), then measures in headless Debian Chromium, median of --repeats:
- full load: navigation start to the first data frame visible (the empty app's frame page;
  /class_journal for a logged-in class teacher, whose cookie is already set);
- switch: a sidebar click to the data frame visible (empty → frame; Главная → Журнал класса),
  the first after the start page's load and the same switch again.

Both are read from the page's own clock at the first animation frame that shows the frame:
Playwright's own waits poll every 500 ms after the first 270 ms, which turned a few
milliseconds' difference into a 500-ms step and made loads look bimodal (~500 or ~1,000 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright

from deploy.cluster import run_cluster, streamlit_server
from klassruk.demo import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

FRAME = '[data-testid="stDataFrame"]'
EMPTY_APP = Path(__file__).resolve().parent / "bench_empty_app.py"


# Milliseconds on the page's clock (0 = navigation start) when the page titled `title` shows
# a data frame. The title matters for switches: until the new page's run clears the old one,
# the page switched from may show a frame of its own (Главная does, for a teacher).
FRAME_VISIBLE_AT = f"""title => {{
    if (![...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)) return false;
    const frame = document.querySelector('{FRAME}');
    if (!frame) return false;
    const box = frame.getBoundingClientRect();
    return box.width > 0 && box.height > 0 ? performance.now() : false;
}}"""
# The page's clock at the user's click, recorded before Streamlit handles it.
RECORD_CLICKS = (
    "document.addEventListener('click', () => { window.clickedAt = performance.now(); }, true)"
)


def _frame_visible_at(page: Page, title: str) -> float:
    return float(page.wait_for_function(FRAME_VISIBLE_AT, arg=title, polling="raf").json_value())


def _settle(page: Page) -> None:
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


@dataclass(frozen=True)
class Route:
    """A sidebar switch: from a page (its link and title) to a page with a data frame."""

    start_link: str
    start_title: str
    link: str
    title: str


EMPTY_ROUTE = Route("Пустая", "Пустая страница", "Таблица", "Одна таблица")
JOURNAL_ROUTE = Route("Главная", "Главная", "Журнал класса", "Журнал класса")


def _full_load(page: Page, url: str, title: str) -> float:
    page.goto(url, wait_until="commit")
    return _frame_visible_at(page, title)


def _click_to_frame(page: Page, route: Route) -> float:
    page.get_by_role("link", name=route.link).first.click()
    elapsed = _frame_visible_at(page, route.title) - float(page.evaluate("window.clickedAt"))
    _settle(page)
    return elapsed


def _switches(page: Page, start_url: str, route: Route) -> tuple[float, float]:
    """The first switch after the start page's load, then the same switch once more.

    The first one also waits for Chromium to load the code of element types the start page
    did not draw; the second finds it loaded, as every later switch in that tab does.
    """
    page.goto(start_url)
    page.get_by_role("heading", name=route.start_title, exact=True).first.wait_for()
    _settle(page)
    first = _click_to_frame(page, route)
    page.get_by_role("link", name=route.start_link).first.click()
    page.get_by_role("heading", name=route.start_title, exact=True).first.wait_for()
    _settle(page)
    return first, _click_to_frame(page, route)


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

        results: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.repeats):
            results["empty"].append(_full_load(page, f"{empty.url}/frame", EMPTY_ROUTE.title))
            _settle(page)
            results["journal"].append(
                _full_load(page, f"{cluster.url}/class_journal", JOURNAL_ROUTE.title)
            )
            _settle(page)
            for app, url, route in (("empty", empty.url, EMPTY_ROUTE),
                                    ("journal", cluster.url, JOURNAL_ROUTE)):
                first, again = _switches(page, url, route)
                results[f"{app} first switch"].append(first)
                results[f"{app} switch again"].append(again)
        browser.close()

    median = {key: statistics.median(values) for key, values in results.items()}
    print(f"median of {args.repeats}, Chromium, data frame visible:")
    print(f"  full load: empty page with one frame {median['empty']:.0f} ms; class journal "
          f"{median['journal']:.0f} ms ({median['journal'] / median['empty']:.2f}×)")
    for kind in ("first switch", "switch again"):
        print(f"  {kind + ':':14} to the empty app's frame page {median['empty ' + kind]:.0f} ms; "
              f"Главная → Журнал класса {median['journal ' + kind]:.0f} ms")


if __name__ == "__main__":
    main()
