"""Full loads and in-app switches in Chromium: the class journal against Streamlit's own floor.

    .venv/bin/python scripts/bench_browser.py --database-url sqlite:////tmp/large.sqlite3
    # one Chromium performance trace of each full load, for scripts/bench_trace.py:
    .venv/bin/python scripts/bench_browser.py --database-url … --repeats 0 --trace /tmp/traces

Starts Klassruk (one process) and, in the same run, scripts/bench_empty_app.py (a one-line
page and a page with one 25×20 data frame), then measures in headless Debian Chromium,
median of --repeats, every page in a tab of its own that is the only one open (a tab in the
background is throttled by about a second):
- full load: navigation start to (box) the first data frame's box on screen and (text) its
  cells' text in the page — the glide grid puts the text in ~300 ms after the box on any page,
  so box is compared with box and text with text; the empty page: its title on screen;
- switch: a sidebar click to the same two events (Пустая → Таблица in the floor app,
  Главная → Журнал класса in Klassruk), the first after the start page's load and again.

Times are read from the page's own clock by an animation-frame loop installed before the page's
code runs (Playwright's waits poll every 500 ms after the first 270 ms). The same script wraps
the page's WebSocket and reports when the first rerun request left and the last message of
the first script run arrived.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import BrowserContext, Page, sync_playwright

from deploy.cluster import run_cluster, streamlit_server
from klassruk.demo.catalogue import DEMO_PASSWORD
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

EMPTY_APP = Path(__file__).resolve().parent / "bench_empty_app.py"
EMPTY_TITLE = "Пустая страница"
FRAME_TITLE = "Одна таблица"
JOURNAL_TITLE = "Журнал класса"
TIMEOUT_MS = 60_000

# Before the page's own code: per h1 title, when it, a live data frame's box and the frame's
# first cell's text were first on screen (page clock, ms); a click resets them. The WebSocket
# is wrapped to keep [time, "out"/"in", bytes] of every frame.
MARKS = """(() => {
  window.__marks = {};
  window.__ws = [];
  const size = d => d.byteLength ?? d.size ?? d.length ?? 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message',
        e => window.__ws.push([performance.now(), 'in', size(e.data)]));
    }
    send(data) { window.__ws.push([performance.now(), 'out', size(data)]); super.send(data); }
  };
  document.addEventListener('click', () => {
    window.__clickedAt = performance.now();
    window.__marks = {};
    window.__ws = [];
  }, true);
  const tick = () => {
    const now = performance.now();
    for (const h of document.querySelectorAll('h1')) {
      if (h.closest('[data-stale="true"]')) continue;
      const mark = (window.__marks[h.innerText.trim()] ??= {title: now});
      if (mark.text !== undefined) continue;
      for (const frame of document.querySelectorAll('[data-testid="stDataFrame"]')) {
        if (frame.closest('[data-stale="true"]')) continue;
        const box = frame.getBoundingClientRect();
        if (!(box.width > 0 && box.height > 0)) continue;
        mark.box ??= now;
        const cell = frame.querySelector('td[role="gridcell"]');
        if (cell && cell.textContent.trim()) mark.text ??= now;
        break;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


@dataclass(frozen=True)
class Times:
    """One measurement on the page's clock, from navigation start or the click."""

    box: float | None
    text: float | None
    first_request: float | None = None
    last_message: float | None = None


def _wait_marks(page: Page, title: str, event: str) -> dict[str, float]:
    page.wait_for_function(
        "([title, event]) => window.__marks[title]?.[event] !== undefined",
        arg=[title, event], polling="raf",
    )
    marks: dict[str, float] = page.evaluate("title => window.__marks[title]", title)
    return marks


def _websocket_times(page: Page, since: float) -> tuple[float | None, float | None]:
    """When the first rerun request left, and when the first run's last message arrived."""
    frames: list[list[Any]] = page.evaluate("window.__ws")
    sent = [t for t, way, _ in frames if way == "out"]
    if not sent:
        return None, None
    first = sent[0]
    # The first run's messages: those after the request, up to the next request (or the end).
    later = [t for t in sent if t > first]
    end = later[0] if later else float("inf")
    received = [t for t, way, _ in frames if way == "in" and first < t < end]
    return first - since, (received[-1] - since) if received else None


@contextmanager
def _foreground_tab(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.bring_to_front()
    try:
        yield page
    finally:
        page.close()


def _settle(page: Page) -> None:
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def full_load(context: BrowserContext, url: str, title: str, *, frame: bool) -> Times:
    """Open `url` in a new foreground tab; the page's clock at each event."""
    with _foreground_tab(context) as page:
        page.goto(url, wait_until="commit")
        marks = _wait_marks(page, title, "text" if frame else "title")
        page.wait_for_timeout(300)  # let the first run's last messages arrive
        first, last = _websocket_times(page, 0.0)
        if not frame:
            return Times(marks["title"], None, first, last)
        return Times(marks["box"], marks["text"], first, last)


@dataclass(frozen=True)
class Route:
    """A sidebar switch: from a page (its link and title) to a page with a data frame."""

    start_url: str
    start_link: str
    start_title: str
    link: str
    title: str


def _click(page: Page, route: Route) -> Times:
    page.get_by_role("link", name=route.link).first.click()
    marks = _wait_marks(page, route.title, "text")
    clicked = float(page.evaluate("window.__clickedAt"))
    page.wait_for_timeout(300)
    first, last = _websocket_times(page, clicked)
    times = Times(marks["box"] - clicked, marks["text"] - clicked, first, last)
    _settle(page)
    return times


def switches(context: BrowserContext, route: Route) -> tuple[Times, Times]:
    """The first switch after the start page's load, then the same switch once more.

    The first one also waits for Chromium to load the code of element types the start page
    did not draw; the second finds it loaded, as every later switch in that tab does.
    """
    with _foreground_tab(context) as page:
        page.goto(route.start_url)
        page.get_by_role("heading", name=route.start_title, exact=True).first.wait_for()
        _settle(page)
        first = _click(page, route)
        page.get_by_role("link", name=route.start_link).first.click()
        page.get_by_role("heading", name=route.start_title, exact=True).first.wait_for()
        _settle(page)
        return first, _click(page, route)


def trace_load(context: BrowserContext, url: str, title: str, path: Path) -> Times:
    """One full load under a Chromium performance trace (CDP Tracing), written to `path`."""
    with _foreground_tab(context) as page:
        cdp = context.new_cdp_session(page)
        events: list[dict[str, Any]] = []
        done: list[bool] = []
        cdp.on("Tracing.dataCollected", lambda message: events.extend(message["value"]))
        cdp.on("Tracing.tracingComplete", lambda _: done.append(True))
        cdp.send("Tracing.start", {
            "transferMode": "ReportEvents",
            "traceConfig": {"includedCategories": [
                "devtools.timeline", "disabled-by-default-devtools.timeline",
                "disabled-by-default-devtools.timeline.frame", "v8.execute", "blink",
                "blink.user_timing", "loading", "netlog", "toplevel",
                "disabled-by-default-v8.cpu_profiler",
            ]},
        })
        page.goto(url, wait_until="commit")
        marks = _wait_marks(page, title, "text")
        page.wait_for_timeout(500)
        first, last = _websocket_times(page, 0.0)
        origin = float(page.evaluate("performance.timeOrigin"))
        cdp.send("Tracing.end")
        while not done:
            page.wait_for_timeout(100)
        path.write_text(json.dumps({
            "traceEvents": events,
            "metadata": {"timeOrigin": origin, "box": marks["box"], "text": marks["text"],
                         "firstRequest": first, "lastMessage": last,
                         "websocket": page.evaluate("window.__ws")},
        }))
        return Times(marks["box"], marks["text"], first, last)


def _log_in(context: BrowserContext, url: str, login: str) -> None:
    with _foreground_tab(context) as page:
        page.goto(url)
        page.get_by_label("Логин").fill(login)
        page.get_by_label("Пароль").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.get_by_role("heading", name="Главная", exact=True).first.wait_for()
        while not any(c["name"] == "klassruk_auth" for c in context.cookies()):
            page.wait_for_timeout(200)
        _settle(page)


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _ratio(value: float | None, floor: float | None) -> str:
    return "—" if value is None or not floor else f"{value / floor:.2f}×"


def _spread(pairs: list[tuple[Times, Times]], event: str) -> str:
    """The ratio of each round's two loads (measured one after the other): median and quartiles."""
    # The machine's load drifts over a run; a round's two loads share it, so the spread of these
    # ratios shows how far one run's median can fall from another's on the same code.
    ratios = [
        ours / floor
        for ours, floor in ((getattr(a, event), getattr(b, event)) for a, b in pairs)
        if ours is not None and floor
    ]
    if len(ratios) < 4:
        return "—"
    low, middle, high = statistics.quantiles(ratios, n=4)
    return f"median {middle:.2f}×, middle half {low:.2f}–{high:.2f}× ({len(ratios)} rounds)"


def report(results: dict[str, list[Times]], repeats: int) -> None:
    """Medians per page and event, and the class journal's ratios to the floor's pages."""
    med = {key: {field: _median([getattr(t, field) for t in values])
                 for field in ("box", "text", "first_request", "last_message")}
           for key, values in results.items()}
    print(f"\nmedian of {repeats}, headless Chromium, every page in its own foreground tab")
    print(f"{'':34}{'box':>10}{'text':>10}{'1st request':>13}{'last msg':>10}")
    for key in results:
        row = med[key]
        print(f"{key:34}{_ms(row['box']):>10}{_ms(row['text']):>10}"
              f"{_ms(row['first_request']):>13}{_ms(row['last_message']):>10}")
    frame, journal = med["full load: one-frame page"], med["full load: class journal"]
    print("\nratios, class journal ÷ the floor app:")
    print(f"  full load, box:  {_ratio(journal['box'], frame['box'])} the one-frame page "
          f"({_ratio(journal['box'], med['full load: empty page']['box'])} the empty page's title)")
    print(f"  full load, text: {_ratio(journal['text'], frame['text'])} the one-frame page")
    paired = list(zip(results["full load: class journal"], results["full load: one-frame page"],
                      strict=True))
    for event in ("box", "text"):
        print(f"    {event}, round by round: {_spread(paired, event)}")
    for kind in ("first switch", "switch again"):
        if f"{kind}: Пустая → Таблица" not in med:
            continue
        ours, floor = med[f"{kind}: Главная → Журнал класса"], med[f"{kind}: Пустая → Таблица"]
        print(f"  {kind}, box / text: {_ratio(ours['box'], floor['box'])} / "
              f"{_ratio(ours['text'], floor['text'])}")


def main() -> None:
    """Start both apps, log in once, time loads and switches (or trace one load of each)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8680)
    parser.add_argument("--login", default="klassruk")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--trace", type=Path, help="write one trace of each full load here")
    parser.add_argument("--loads-only", action="store_true", help="no switches (quicker)")
    args = parser.parse_args()

    log = Path(f"/tmp/klassruk-bench-empty-{args.port + 2}.log")
    with (
        run_cluster(processes=1, database_url=args.database_url, port=args.port,
                    app_port=args.port + 1) as cluster,
        streamlit_server(str(EMPTY_APP), args.port + 2, {}, log) as floor,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        floor_context = browser.new_context(locale="ru-RU")
        journal_context = browser.new_context(locale="ru-RU")
        for context in (floor_context, journal_context):
            context.add_init_script(MARKS)
        _log_in(journal_context, cluster.url, args.login)
        loads = (
            ("full load: empty page", floor_context, floor.url, EMPTY_TITLE, False),
            ("full load: one-frame page", floor_context, f"{floor.url}/frame", FRAME_TITLE, True),
            ("full load: class journal", journal_context, f"{cluster.url}/class_journal",
             JOURNAL_TITLE, True),
        )
        routes = (
            ("Пустая → Таблица", floor_context,
             Route(floor.url, "Пустая", EMPTY_TITLE, "Таблица", FRAME_TITLE)),
            ("Главная → Журнал класса", journal_context,
             Route(cluster.url, "Главная", "Главная", "Журнал класса", JOURNAL_TITLE)),
        )
        for _, context, url, title, frame in loads:  # warm the HTTP caches
            full_load(context, url, title, frame=frame)
        if args.trace:
            args.trace.mkdir(parents=True, exist_ok=True)
            for name, context, url, title, frame in loads:
                if frame:
                    stem = "journal" if context is journal_context else "frame"
                    times = trace_load(context, url, title, args.trace / f"{stem}.json")
                    print(f"trace of {name}: {times}")

        results: dict[str, list[Times]] = defaultdict(list)
        for _ in range(args.repeats):
            for name, context, url, title, frame in loads:
                results[name].append(full_load(context, url, title, frame=frame))
            for name, context, route in () if args.loads_only else routes:
                first, again = switches(context, route)
                results[f"first switch: {name}"].append(first)
                results[f"switch again: {name}"].append(again)
        browser.close()
    if args.repeats:
        report(results, args.repeats)


if __name__ == "__main__":
    main()
