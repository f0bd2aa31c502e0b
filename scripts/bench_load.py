"""Load test Klassruk the way browsers use it: Streamlit's websocket protocol, no browser.

    # the evening peak: 1,200 guardians arriving over 5 minutes, think 5–25 s, every screen of
    # their menu, 6 minutes in all, two processes behind nginx on PostgreSQL (the defaults):
    .venv/bin/python scripts/bench_load.py sessions --database-url postgresql+psycopg://…/bench
    # its smoke version: 60 guardians over 30 s, one minute
    .venv/bin/python scripts/bench_load.py sessions --database-url postgresql+psycopg://… --quick
    # the same peak with four families in five back on the login cookie of an earlier visit
    # (the others type their password: Argon2id, ~17 ms of CPU each):
    .venv/bin/python scripts/bench_load.py sessions --database-url … --remembered 0.8
    # one process on a copy of the LARGE demo (SQLite), 150 guardians over 60 s, 3 minutes:
    .venv/bin/python scripts/bench_load.py sessions --database-url sqlite:////tmp/large.sqlite3 \\
        --processes 1 --users 150 --ramp 60 --duration 180
    # a login storm: 100 logins arriving within 30 s
    .venv/bin/python scripts/bench_load.py logins --database-url … --users 100 --ramp 30
    # server time of one run: a trivial page against an empty Streamlit page, same machine, same run
    .venv/bin/python scripts/bench_load.py runs --database-url … --login roditel --page profile
    # server CPU per page as the peak meets it: 40 guardians one after another, each logging in
    # and opening every page of the menu once (per-user caches cold), one process:
    .venv/bin/python scripts/bench_load.py tour --database-url … --users 40

Each virtual user opens a websocket (`/_stcore/stream`, subprotocol `streamlit`), runs the app,
logs in through the login form (a `WidgetStates` back message with the form's values and the
submit button's trigger), then opens pages by their `page_script_hash` from the `navigation`
message, with a think time between. A page counts as a success only when the run finished, the
navigation says that page is current, no exception was drawn and no login form came back.
The script starts the app processes itself (and nginx for more than one, see deploy/cluster.py)
and reports p50/p95/p99 per page, errors, the processes' CPU time (per request) and memory
(per session: peak resident memory above the idle processes', divided by the sessions), and on
PostgreSQL the most connections the database had open at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import secrets
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from deploy.cluster import run_cluster, streamlit_server
from klassruk.access.session_tokens import SessionToken, encode_session_token
from klassruk.clock import utcnow

PASSWORD = "Демо-пароль-2026"
LOGIN_LABEL = "Логин"
PASSWORD_LABEL = "Пароль или код активации"
SUBMIT_LABEL = "Войти"
RUN_TIMEOUT_S = 60.0
COOKIE_COMPONENT = "klassruk_cookie"
ARRIVALS = ("login", "return")  # a sample that is no page: the form, or a remembered login
COOKIE_NAME = "klassruk_auth"  # the app's default (KLASSRUK_COOKIE_NAME)
# The key the app processes this script starts sign their cookies with: a remembered visitor's
# cookie is signed with it as the app signed it on that visitor's earlier visit.
COOKIE_KEY = secrets.token_urlsafe(48)
EMPTY_APP = Path(__file__).resolve().parent / "bench_empty_app.py"
_FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class RunFailed(Exception):
    """A run did not show what was asked for."""


@dataclass
class Run:
    """What one script run sent back."""

    elements: list[Element] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page_script_hash
    current_page: str = ""
    seconds: float = 0.0

    def has_login_form(self) -> bool:
        return any(
            e.WhichOneof("type") == "text_input" and e.text_input.label == LOGIN_LABEL
            for e in self.elements
        )

    def exception(self) -> str | None:
        for element in self.elements:
            if element.WhichOneof("type") == "exception":
                return element.exception.message
        return None


class Client:
    """One browser tab: a websocket session that runs pages."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pages: dict[str, str] = {}

    @classmethod
    async def open(cls, url: str, cookie: str | None = None) -> Client:
        """A new tab; `cookie` is the login cookie the browser kept, sent as browsers send it."""
        ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        socket = await connect(
            ws_url, subprotocols=[Subprotocol("streamlit")], max_size=None,
            open_timeout=RUN_TIMEOUT_S, ping_interval=None,
            additional_headers={"Cookie": cookie} if cookie else None,
        )
        return cls(socket)

    async def close(self) -> None:
        await self.socket.close()

    async def run(
        self, page_hash: str = "", widgets: Iterable[WidgetState] = (), fragment_id: str = ""
    ) -> Run:
        """Ask for a rerun and collect its messages until the script finished."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = page_hash
        message.rerun_script.fragment_id = fragment_id
        message.rerun_script.widget_states.widgets.extend(widgets)
        started = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        run = Run()
        cookie_writer: tuple[str, str] | None = None  # the component's widget id, its fragment
        async with asyncio.timeout(RUN_TIMEOUT_S):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self.socket.recv())
                kind = forward.WhichOneof("type")
                if kind == "new_session":
                    run.elements.clear()  # a rerun started (after st.rerun): keep its output
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    run.elements.append(element)
                    if COOKIE_COMPONENT in element.component_instance.component_name:
                        cookie_writer = (element.component_instance.id, forward.delta.fragment_id)
                elif kind == "navigation":
                    run.pages = {p.url_pathname: p.page_script_hash
                                 for p in forward.navigation.app_pages}
                    run.current_page = forward.navigation.page_script_hash
                elif kind == "script_finished" and forward.script_finished != _FINISHED_EARLY:
                    break
        run.seconds = time.perf_counter() - started
        if run.pages:
            self.pages = run.pages
        if cookie_writer is not None:
            # A browser writes the cookie and reports done at once, as a rerun of the
            # component's fragment (of the page, were it in none): the app unmounts the frame.
            widget_id, fragment = cookie_writer
            await self.run(page_hash or run.current_page,
                           [WidgetState(id=widget_id, json_value="true")], fragment_id=fragment)
        return run

    async def log_in(self, login: str, password: str = PASSWORD) -> Run:
        """Fill and submit the login form; fail unless the home page comes back."""
        form = await self.run()
        ids = _login_widget_ids(form.elements)
        widgets = [
            WidgetState(id=ids["login"], string_value=login),
            WidgetState(id=ids["password"], string_value=password),
            WidgetState(id=ids["submit"], trigger_value=True),
        ]
        home = await self.run(widgets=widgets)
        if home.has_login_form() or not home.pages or home.exception():
            raise RunFailed(f"login of {login} did not reach the home page")
        home.seconds += form.seconds
        return home

    async def come_back(self) -> Run:
        """Open the app with a remembered login: the home page, no form, no password hashed."""
        home = await self.run()
        if home.has_login_form() or not home.pages or home.exception():
            raise RunFailed("the remembered login did not reach the home page")
        return home

    async def open_page(self, url_path: str) -> Run:
        """Open a page by its hash; fail unless that page ran without error."""
        page_hash = self.pages[url_path]
        run = await self.run(page_hash=page_hash)
        if run.has_login_form():
            raise RunFailed(f"{url_path}: the login page came back")
        if run.current_page != page_hash:
            raise RunFailed(f"{url_path}: another page ran")
        if (error := run.exception()) is not None:
            raise RunFailed(f"{url_path}: {error}")
        return run


def remembered_cookie(login: str) -> str:
    """The Cookie header of a browser that kept `login`'s cookie from an earlier visit."""
    token = SessionToken(login, utcnow() - timedelta(minutes=1))
    return f"{COOKIE_NAME}={encode_session_token(token, key=COOKIE_KEY, expiry_days=7)}"


def _login_widget_ids(elements: list[Element]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "text_input" and element.text_input.label == LOGIN_LABEL:
            ids["login"] = element.text_input.id
        elif kind == "text_input" and element.text_input.label == PASSWORD_LABEL:
            ids["password"] = element.text_input.id
        elif kind == "button" and element.button.label == SUBMIT_LABEL:
            ids["submit"] = element.button.id
    if len(ids) != 3:
        raise RunFailed("no login form on the first page")
    return ids


# ---------------------------------------------------------------- measurements


@dataclass
class Sample:
    """One timed request."""

    page: str
    at: float
    seconds: float
    error: str | None = None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms".replace(",", " ")


def report(samples: list[Sample], since: float = 0.0, title: str = "") -> None:
    """Per-page p50/p95/p99 of the successful requests started after `since`, and errors."""
    by_page: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.at >= since:
            by_page[sample.page].append(sample)
    print(f"\n{title}")
    print(f"{'page':<22}{'ok':>6}{'errors':>8}{'p50':>10}{'p95':>10}{'p99':>10}{'max':>10}")
    for page, rows in sorted(by_page.items()):
        ok = [s.seconds for s in rows if s.error is None]
        errors = len(rows) - len(ok)
        if ok:
            print(f"{page:<22}{len(ok):>6}{errors:>8}{_ms(_percentile(ok, 0.5)):>10}"
                  f"{_ms(_percentile(ok, 0.95)):>10}{_ms(_percentile(ok, 0.99)):>10}"
                  f"{_ms(max(ok)):>10}")
        else:
            print(f"{page:<22}{0:>6}{errors:>8}")
    kinds: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.error is not None and sample.at >= since:
            kinds[sample.error[:90]] += 1
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1])[:8]:
        print(f"  {count} × {kind}")


def report_windows(
    samples: list[Sample], window: float, busy: Callable[[float, float], float | None]
) -> None:
    """Per time window: sessions logged in by its end, pages served in it, their p95, errors.

    With users still arriving this is a ramp search: the largest number of sessions whose
    window kept p95 under a second, in one run (logins' hashing is part of each window's load).
    `busy` gives the machine's CPU use in a window: whether a slow window was a full machine.
    """
    logged_in = sorted(s.at + s.seconds for s in samples if s.page in ARRIVALS and s.error is None)
    pages = [s for s in samples if s.page not in ARRIVALS]
    end = max((s.at for s in samples), default=0.0)
    print(f"\nper {window:.0f} s window (pages only)")
    print(f"{'from':>6}{'sessions':>10}{'pages':>8}{'errors':>8}{'p50':>10}{'p95':>10}"
          f"{'machine CPU':>13}")
    start = 0.0
    while start <= end:
        rows = [s for s in pages if start <= s.at < start + window]
        ok = [s.seconds for s in rows if s.error is None]
        sessions = sum(1 for t in logged_in if t < start + window)
        line = f"{start:>5.0f}s{sessions:>10}{len(ok):>8}{len(rows) - len(ok):>8}"
        line += (f"{_ms(_percentile(ok, 0.5)):>10}{_ms(_percentile(ok, 0.95)):>10}" if ok
                 else f"{'—':>10}{'—':>10}")
        share = busy(start, start + window)
        if share is not None:
            line += f"{share:>12.0%}"
        print(line)
        start += window


def machine_ticks() -> tuple[int, int]:
    """Busy and all clock ticks of the machine's CPUs since boot, from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


class ProcessMeter:
    """CPU seconds and peak resident memory of server processes, and the machine's CPU use."""

    def __init__(self, pids: list[int], proxy: int | None = None) -> None:
        self.pids = pids
        self.proxy = proxy
        watched = [*pids, *([proxy] if proxy else [])]
        self.start_cpu = {pid: self._cpu(pid) for pid in watched}
        self.idle_rss = {pid: self.rss_mb(pid) for pid in pids}
        self.peak_rss = dict.fromkeys(pids, 0)
        self.start_own = self._own_cpu()
        self.machine: list[tuple[float, int, int]] = [(time.perf_counter(), *machine_ticks())]

    @staticmethod
    def _own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    @staticmethod
    def _cpu(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def rss_mb(pid: int) -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def sample(self) -> None:
        for pid in self.pids:
            self.peak_rss[pid] = max(self.peak_rss[pid], int(self.rss_mb(pid)))
        self.machine.append((time.perf_counter(), *machine_ticks()))

    def busy(self, start: float, end: float) -> float | None:
        """The machine's CPU use (all cores) between two perf_counter times, None if unsampled."""
        inside = [row for row in self.machine if start <= row[0] <= end]
        if len(inside) < 2:
            return None
        (_, busy_start, all_start), (_, busy_end, all_end) = inside[0], inside[-1]
        return (busy_end - busy_start) / max(1, all_end - all_start)

    def cpu_used(self) -> dict[int, float]:
        return {pid: self._cpu(pid) - cpu for pid, cpu in self.start_cpu.items()}

    def print(self, wall_s: float, requests: int, sessions: int = 0) -> None:
        used = self.cpu_used()
        for pid in self.pids:
            print(f"  process {pid}: CPU {used[pid]:.1f} s ({100 * used[pid] / wall_s:.0f} % of "
                  f"a core over {wall_s:.0f} s), RSS {self.idle_rss[pid]:.0f} MB idle → "
                  f"peak {self.peak_rss[pid]} MB")
        if self.proxy:
            print(f"  nginx: CPU {used[self.proxy]:.1f} s")
        own = self._own_cpu() - self.start_own
        print(f"  load generator (this script): CPU {own:.1f} s ({100 * own / wall_s:.0f} % of "
              "a core)")
        whole = self.busy(self.machine[0][0], self.machine[-1][0])
        if whole is not None:
            cores = os.cpu_count() or 1
            rest = whole * cores * wall_s - own - sum(used.values())
            print(f"  machine: {whole:.0%} of its {cores} cores busy over the run; PostgreSQL "
                  f"and the rest: CPU {rest:.0f} s")
        if requests:
            app_cpu = sum(used[pid] for pid in self.pids)
            print(f"  app CPU per request: {_ms(app_cpu / requests)} ({requests} requests, "
                  "logins included)")
        if sessions:
            grown = sum(self.peak_rss[pid] - self.idle_rss[pid] for pid in self.pids)
            print(f"  memory per session: {grown / sessions:.2f} MB "
                  f"(peak RSS above idle, {sessions} sessions)")


class DatabaseConnections:
    """The most connections PostgreSQL had open at once (pg_stat_activity), sampled every 2 s."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url) if database_url.startswith("postgresql") else None
        self.peak = 0
        self.limit = 0

    def _sample(self) -> None:
        assert self.engine is not None
        with self.engine.connect() as connection:
            count = connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )).scalar_one()
            self.limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
        self.peak = max(self.peak, int(count) - 1)  # not the sampler's own

    async def watch(self, stop: asyncio.Event) -> None:
        if self.engine is None:
            return
        while not stop.is_set():
            await asyncio.to_thread(self._sample)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=2.0)
        self.engine.dispose()


class DatabaseBackends:
    """CPU seconds of the PostgreSQL backends serving the app (same machine), from /proc."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_engine(database_url) if database_url.startswith("postgresql") else None
        self.start = self._cpu() if self.engine else {}

    def _cpu(self) -> dict[int, float]:
        assert self.engine is not None
        with self.engine.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )).scalars().all()
        used = {}
        for pid in pids:
            with suppress(FileNotFoundError, ProcessLookupError):
                used[pid] = ProcessMeter._cpu(pid)
        return used

    def used(self) -> float | None:
        """CPU seconds since the start; None on SQLite. Call while the app still runs."""
        if self.engine is None:
            return None
        now = self._cpu()
        self.engine.dispose()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in now.items())


async def _meter_loop(meter: ProcessMeter, stop: asyncio.Event) -> None:
    while not stop.is_set():
        meter.sample()
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


# ---------------------------------------------------------------- scenarios


async def _session_user(
    url: str, login: str, start_at: float, end_at: float, pages: list[str] | None,
    think: tuple[float, float], samples: list[Sample], origin: float, rng: random.Random,
    remembered: bool = False,
) -> None:
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    client: Client | None = None
    arrival = "return" if remembered else "login"
    try:
        started = time.perf_counter()
        try:
            if remembered:
                client = await Client.open(url, remembered_cookie(login))
                home = await client.come_back()
            else:
                client = await Client.open(url)
                home = await client.log_in(login)
        except Exception as error:  # every failure is counted, none stops the run
            samples.append(Sample(arrival, started - origin, time.perf_counter() - started,
                                  f"{type(error).__name__}: {error}"))
            return
        samples.append(Sample(arrival, started - origin, home.seconds))
        choices = pages or sorted(client.pages)
        while True:
            await asyncio.sleep(rng.uniform(*think))
            if time.perf_counter() >= end_at:
                return
            page = rng.choice(choices)
            started = time.perf_counter()
            try:
                run = await client.open_page(page)
                samples.append(Sample(page or "home", started - origin, run.seconds))
            except Exception as error:
                samples.append(Sample(page or "home", started - origin,
                                      time.perf_counter() - started,
                                      f"{type(error).__name__}: {error}"))
    finally:
        if client is not None:
            await client.close()


async def _sessions(args: argparse.Namespace, url: str, meter: ProcessMeter) -> None:
    logins = _logins(args.database_url, args.role, args.users)
    rng = random.Random(args.seed)
    samples: list[Sample] = []
    origin = time.perf_counter()
    end_at = origin + args.duration
    pages = args.pages.split(",") if args.pages else None
    stop = asyncio.Event()
    metering = asyncio.create_task(_meter_loop(meter, stop))
    # The first `--remembered` share of the guardians come back with the cookie of an earlier
    # visit (a phone keeps it for days); the others type their password (Argon2id, ~17 ms CPU).
    remembered = round(len(logins) * args.remembered)
    users = [
        _session_user(url, login, origin + rng.uniform(0, args.ramp), end_at, pages,
                      (args.think_min, args.think_max), samples, origin,
                      random.Random(rng.random()), remembered=index < remembered)
        for index, login in enumerate(logins)
    ]
    connections = DatabaseConnections(args.database_url)
    counting = asyncio.create_task(connections.watch(stop))
    await asyncio.gather(*users)
    stop.set()
    await metering
    await counting
    wall = time.perf_counter() - origin
    print(f"\n{len(logins)} {args.role} sessions, arriving over {args.ramp:.0f} s, "
          f"think {args.think_min:g}–{args.think_max:g} s, {wall:.0f} s in all, "
          f"{args.processes} process(es), {url}")
    report(samples, title="whole run")
    report(samples, since=args.ramp, title=f"after the arrival (requests from {args.ramp:.0f} s)")
    if args.window:
        report_windows(samples, args.window,
                       lambda start, end: meter.busy(origin + start, origin + end))
    pages = [s for s in samples if s.page not in ARRIVALS]
    ok_pages = [s.seconds for s in pages if s.error is None]
    logged_in = sum(1 for s in samples if s.page in ARRIVALS and s.error is None)
    errors = sum(1 for s in samples if s.error is not None)
    print(f"\nin all: {logged_in} of {len(logins)} logged in, {len(pages)} pages, "
          f"{errors} errors; pages p95 {_ms(_percentile(ok_pages, 0.95)) if ok_pages else '—'}")
    meter.print(wall, len(samples), logged_in)
    if connections.peak:
        print(f"  database connections: at most {connections.peak} open at once "
              f"(of max_connections {connections.limit})")


async def _logins_storm(args: argparse.Namespace, url: str, meter: ProcessMeter) -> None:
    logins = _logins(args.database_url, args.role, args.users)
    rng = random.Random(args.seed)
    samples: list[Sample] = []
    origin = time.perf_counter()
    stop = asyncio.Event()
    metering = asyncio.create_task(_meter_loop(meter, stop))
    users = [
        _session_user(url, login, origin + rng.uniform(0, args.ramp), origin, [],
                      (0.0, 0.0), samples, origin, random.Random(0))
        for login in logins
    ]
    await asyncio.gather(*users)
    stop.set()
    await metering
    wall = time.perf_counter() - origin
    print(f"\n{len(logins)} logins arriving within {args.ramp:.0f} s, {url}")
    report(samples, title="logins (form submit to home page drawn, first run included)")
    meter.print(wall, len(samples))


async def _median_rerun(
    url: str, pid: int, login: str | None, page: str | None, repeats: int
) -> tuple[float, float]:
    """Median wall time of a rerun and the server's CPU time per rerun."""
    client = await Client.open(url)
    try:
        if login:
            await client.log_in(login)
        page_hash = client.pages.get(page or "", "")
        for _ in range(3):  # warm up
            await client.run(page_hash=page_hash)
        meter = ProcessMeter([pid])
        times = [(await client.run(page_hash=page_hash)).seconds for _ in range(repeats)]
        return statistics.median(times), meter.cpu_used()[pid] / repeats
    finally:
        await client.close()


async def _runs(
    args: argparse.Namespace, url: str, pid: int, empty_url: str, empty_pid: int
) -> None:
    empty, empty_cpu = await _median_rerun(empty_url, empty_pid, None, None, args.repeats)
    print(f"\n{args.repeats} reruns each, one user, idle server "
          "(median wall time; server CPU per run):")
    print(f"  empty Streamlit page: {_ms(empty)}; {_ms(empty_cpu)}")
    for page in args.page.split(","):
        wall, cpu = await _median_rerun(url, pid, args.login, page, args.repeats)
        print(f"  {page} as {args.login}: {_ms(wall)} ({wall / empty:.2f}×); "
              f"{_ms(cpu)} ({cpu / empty_cpu:.2f}×)")


async def _tour(args: argparse.Namespace, url: str, pid: int) -> None:
    """Users one after another: log in, open every page once; server CPU per page and login."""
    logins = _logins(args.database_url, args.role, args.users)
    rng = random.Random(args.seed)
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    # Streamlit drops its compiled scripts when the last session leaves: one stays, as at a peak.
    bystander = await Client.open(url)
    await bystander.run()
    backends = DatabaseBackends(args.database_url)
    for login in logins:
        client = await Client.open(url)
        try:
            before = ProcessMeter([pid])
            home = await client.log_in(login)
            cpu["login"].append(before.cpu_used()[pid])
            wall["login"].append(home.seconds)
            pages = args.pages.split(",") if args.pages else sorted(client.pages)
            for page in rng.sample(pages, len(pages)):
                before = ProcessMeter([pid])
                run = await client.open_page(page)
                cpu[page or "home"].append(before.cpu_used()[pid])
                wall[page or "home"].append(run.seconds)
        finally:
            await client.close()
    database_cpu = backends.used()
    await bystander.close()
    print(f"\n{len(logins)} {args.role}s one after another, every page once each, one process "
          "(mean server CPU per request — /proc ticks are 10 ms, so means of many; median wall):")
    for page in sorted(cpu, key=lambda name: (name != "login", name)):
        print(f"  {page:<26}{statistics.fmean(cpu[page]) * 1000:>8.1f} ms"
              f"{_ms(statistics.median(wall[page])):>10}")
    pages_only = [value for page, values in cpu.items() if page != "login" for value in values]
    print(f"  {'every page':<26}{statistics.fmean(pages_only) * 1000:>8.1f} ms")
    if database_cpu is not None:
        requests = sum(len(values) for values in cpu.values())
        print(f"  PostgreSQL backends: {database_cpu / requests * 1000:.1f} ms CPU per request "
              f"({requests} requests, logins included)")


# ---------------------------------------------------------------- setup


def _logins(database_url: str, role: str, count: int) -> list[str]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.login FROM user_account u JOIN user_role r ON r.user_id = u.id "
                "WHERE r.role = :role AND u.status = 'active' AND u.password_hash IS NOT NULL "
                "AND NOT u.must_change_password ORDER BY u.id LIMIT :count"
            ),
            {"role": role, "count": count},
        ).scalars().all()
    engine.dispose()
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} active {role} accounts in the database")
    return list(rows)


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[tuple[str, list[int], int | None]]:
    with run_cluster(
        processes=args.processes,
        database_url=args.database_url,
        port=args.port,
        app_port=args.port + 1,
        env={"KLASSRUK_COOKIE_KEY": COOKIE_KEY},
    ) as cluster:
        proxy = cluster.proxy.process.pid if cluster.proxy else None
        yield cluster.url, [app.process.pid for app in cluster.apps], proxy


# The evening peak of issue 28, and its smoke version (--quick).
PEAK = {"processes": 2, "users": 1200, "ramp": 300.0, "duration": 360.0, "window": 30.0}
QUICK = {"processes": 2, "users": 60, "ramp": 30.0, "duration": 60.0, "window": 10.0}
OTHERS = {"processes": 1, "users": 50, "ramp": 60.0, "duration": 180.0, "window": 0.0}


def _open_files_limit() -> None:
    """As many open files as allowed: every session is a socket here, in nginx and in an app."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    """Parse the scenario and run it against freshly started servers."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", choices=["sessions", "logins", "runs", "tour"])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="sessions: the smoke version (60 users over 30 s, one minute)")
    parser.add_argument("--processes", type=int, help="sessions: 2, otherwise 1")
    parser.add_argument("--port", type=int, default=8650, help="nginx; apps take the next ones")
    parser.add_argument("--users", type=int, help="sessions: 1200, logins, tour: 50")
    parser.add_argument("--role", default="guardian")
    parser.add_argument("--ramp", type=float, help="arrivals spread over seconds (300; 60)")
    parser.add_argument("--duration", type=float, help="seconds in all (sessions: 360)")
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=25.0)
    parser.add_argument("--pages", default="", help="url paths; default: all of the user's")
    parser.add_argument("--login", default="roditel", help="runs: the user")
    parser.add_argument("--page", default="profile", help="runs: url paths, comma-separated")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--remembered", type=float, default=0.0,
                        help="sessions: share of guardians arriving with a kept login cookie")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window", type=float,
                        help="sessions: also report p95 per window of this many seconds (30)")
    args = parser.parse_args()
    defaults = OTHERS if args.scenario != "sessions" else QUICK if args.quick else PEAK
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    _open_files_limit()

    with _target(args) as (url, pids, proxy):
        meter = ProcessMeter(pids, proxy)
        if args.scenario == "sessions":
            asyncio.run(_sessions(args, url, meter))
        elif args.scenario == "logins":
            asyncio.run(_logins_storm(args, url, meter))
        elif args.scenario == "tour":
            asyncio.run(_tour(args, url, pids[0]))
        else:
            empty_port = args.port + args.processes + 1
            log = Path(f"/tmp/klassruk-bench-empty-{empty_port}.log")
            with streamlit_server(str(EMPTY_APP), empty_port, {}, log) as empty:
                asyncio.run(_runs(args, url, pids[0], empty.url, empty.process.pid))


if __name__ == "__main__":
    main()
