"""Notifications on the LARGE demo: one school day of events → daily digests → an SMTP sink.

    .venv/bin/python scripts/bench_notifications.py --url sqlite:////tmp/klassruk_notify.sqlite3
    .venv/bin/python scripts/bench_notifications.py --url postgresql+psycopg://postgres@127.0.0.1/b

1. Seeds the LARGE school with its journal up to --today (or reuses it with --reuse).
2. The outbox's cost in a journal save: every grade and absence of the last journal day is
   taken out and entered again lesson by lesson through `save_grid` (the teacher's save),
   alternately with the outbox and with `emit` replaced by a no-op; prints both medians.
3. Every family login gets a confirmed e-mail address (set-up, not timed) and the default
   preferences: a daily digest at 18:00.
4. At 18:01 that day (time-machine), one sender pass (`run_pass`, as `python -m klassruk send
   --once` runs it) expands the events, composes one digest per family login and sends them
   with --workers threads to aiosmtpd's Sink in a process of its own; prints times and counts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import time_machine
from sqlalchemy import delete, func, insert, select

from deploy.cluster import free_ports
from klassruk.clock import utcnow
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import Absence, Grade, Lesson
from klassruk.models.notifications import (
    Channel,
    Notification,
    NotificationContact,
    NotificationItem,
    OutboxEvent,
)
from klassruk.services import calendar, journal
from klassruk.services.journal import saving
from klassruk.services.notifications.channels.email import SmtpSettings
from klassruk.services.notifications.digests import LinkSettings, compose_due
from klassruk.services.notifications.outbox import expand_events
from klassruk.services.notifications.sender import SenderConfig, run_pass
from scripts.bench_seed import SYSTEM, large_school


def _day_cells(factory, day: date) -> dict[int, dict[tuple[int, int], str]]:  # type: ignore[no-untyped-def]
    """Per lesson of `day`: the cells as the journal shows them; then the marks are removed."""
    with unit_of_work(factory, SYSTEM) as session:
        lesson_ids = list(session.scalars(select(Lesson.id).where(Lesson.lesson_date == day)))
        marks: dict[tuple[int, int], list] = defaultdict(list)  # type: ignore[type-arg]
        for student_id, lesson_id, value, kind in session.execute(
            select(Grade.student_id, Grade.lesson_id, Grade.value, Grade.kind)
            .where(Grade.lesson_id.in_(lesson_ids)).order_by(Grade.id)
        ):
            marks[(student_id, lesson_id)].append((value, kind))
        absent = {
            (student_id, lesson_id): mark
            for student_id, lesson_id, mark in session.execute(
                select(Absence.student_id, Absence.lesson_id, Absence.mark)
                .where(Absence.lesson_id.in_(lesson_ids))
            )
        }
    cells: dict[int, dict[tuple[int, int], str]] = defaultdict(dict)
    for key in set(marks) | set(absent):
        cells[key[1]][key] = journal.format_cell(marks.get(key, []), absent.get(key))
    _clear(factory, cells)
    return cells


def _clear(factory, cells) -> None:  # type: ignore[no-untyped-def]
    """Take the day's marks out again, and the outbox's events and their items."""
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(delete(Grade).where(Grade.lesson_id.in_(list(cells))))
        session.execute(delete(Absence).where(Absence.lesson_id.in_(list(cells))))
        session.execute(delete(NotificationItem))
        session.execute(delete(OutboxEvent))


def _save_all(  # type: ignore[no-untyped-def]
    factory, day: date, cells, *, alternate: bool
) -> tuple[list[float], list[float], int]:
    """Save each lesson's cells: all with the outbox, or alternately with and without it."""
    real_emit = saving.events.emit
    emit_ms: list[float] = []

    def timed_emit(session, news):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return real_emit(session, news)
        finally:
            emit_ms.append((time.perf_counter() - start) * 1000)

    with unit_of_work(factory, SYSTEM) as session:
        period = calendar.period_on(session, day)
        assert period is not None
        period_id = period.id
        groups = dict(session.execute(
            select(Lesson.id, Lesson.group_id).where(Lesson.id.in_(list(cells)))).all())
        subjects = dict(session.execute(
            select(Lesson.id, Lesson.subject_id).where(Lesson.id.in_(list(cells)))).all())
    with_outbox: list[float] = []
    without: list[float] = []
    for index, (lesson_id, lesson_cells) in enumerate(sorted(cells.items())):
        edits = {key: journal.CellEdit("", text) for key, text in lesson_cells.items()}
        outbox = not alternate or index % 2 == 0
        saving.events.emit = timed_emit if outbox else (lambda session, news: 0)  # type: ignore[assignment]
        start = time.perf_counter()
        with unit_of_work(factory, SYSTEM) as session:
            journal.save_grid(session, SYSTEM, group_id=groups[lesson_id],
                              subject_id=subjects[lesson_id], period_id=period_id,
                              edits=edits, today=day)
        (with_outbox if outbox else without).append((time.perf_counter() - start) * 1000)
    saving.events.emit = real_emit  # type: ignore[assignment]
    with unit_of_work(factory, SYSTEM) as session:
        events = session.scalar(select(func.count()).select_from(OutboxEvent)) or 0
    if emit_ms:
        median = statistics.median(emit_ms)
        print(f"  the outbox INSERT inside those saves: median {median:.2f} ms, "
              f"max {max(emit_ms):.1f} ms ({len(emit_ms)} saves)")
    return with_outbox, without, events


def _confirm_everyone(factory) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(factory, SYSTEM) as session:
        users = list(session.scalars(
            select(UserAccount.id).where(UserAccount.guardian_id.is_not(None))))
        session.execute(delete(NotificationContact))
        now = utcnow()
        session.execute(insert(NotificationContact), [
            {"user_id": u, "channel": Channel.EMAIL, "address": f"family{u}@bench.test",
             "verified_at": now}
            for u in users
        ])
    return len(users)


def main() -> None:
    """Seed, save a day's journal with and without the outbox, then send the digests."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="sqlite:////tmp/klassruk_notify.sqlite3")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--reuse", action="store_true", help="skip seeding, use existing data")
    parser.add_argument("--workers", type=int, default=SenderConfig.workers,
                        help="the sender's worker threads (SMTP connections)")
    args = parser.parse_args()
    factory = large_school(args.url, today=args.today, fresh=not args.reuse)
    with unit_of_work(factory, SYSTEM) as session:
        session.execute(delete(NotificationItem))
        session.execute(delete(Notification))
        day = session.scalar(
            select(func.max(Lesson.lesson_date))
            .join(Grade, Grade.lesson_id == Lesson.id)
            .where(Lesson.lesson_date <= args.today)
        )
        dialect = session.get_bind().dialect.name
    assert day is not None
    cells = _day_cells(factory, day)
    marks = sum(len(c) for c in cells.values())
    with_outbox, without, _ = _save_all(factory, day, cells, alternate=True)
    print(f"{dialect}: {day:%d.%m.%Y}, {len(cells)} lessons, {marks} cells")
    print(f"journal save with the outbox    median {statistics.median(with_outbox):7.1f} ms "
          f"({len(with_outbox)} saves)")
    print(f"journal save without the outbox median {statistics.median(without):7.1f} ms "
          f"({len(without)} saves)")
    _clear(factory, cells)
    # The teachers' day again, every save with the outbox, at noon; the sender expands at 17:00.
    moscow = datetime.combine(day, datetime.min.time(), UTC) - timedelta(hours=3)
    with time_machine.travel(moscow + timedelta(hours=12), tick=True):
        saves, _, events = _save_all(factory, day, cells, alternate=False)
    print(f"the whole day saved again with the outbox: {events} events, "
          f"{sum(saves) / 1000:.1f} s in {len(saves)} saves")
    families = _confirm_everyone(factory)
    (port,) = free_ports()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"])
    time.sleep(1.5)
    config = SenderConfig(
        links=LinkSettings(app_url="http://school.test", secret="b" * 48),
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", sender="s@bench.test"),
        per_minute={},
        workers=args.workers,
    )
    try:
        with time_machine.travel(moscow + timedelta(hours=17), tick=True):
            start = time.perf_counter()
            expanded = _repeat(factory, lambda session: expand_events(session, now=utcnow()))
            expanded_at = time.perf_counter()
        with time_machine.travel(moscow + timedelta(hours=18, minutes=1), tick=True):
            composed_from = time.perf_counter()
            composed = _repeat(factory, lambda session: compose_due(
                session, now=utcnow(), links=config.links))
            composed_at = time.perf_counter()
            result = run_pass(factory, config, owner="bench")
            sent_at = time.perf_counter()
    finally:
        sink.terminate()
    print(f"family logins with a confirmed e-mail: {families}; sender workers: {args.workers}")
    print(f"expand {expanded} events {expanded_at - start:6.1f} s; "
          f"compose {composed} digests {composed_at - composed_from:6.1f} s; "
          f"send {result.sent} ({result.failed} failed) {sent_at - composed_at:6.1f} s; "
          f"digests composed and sent in {sent_at - composed_from:6.1f} s")


def _repeat(factory, step) -> int:  # type: ignore[no-untyped-def]
    """Run a sender step in transactions of its own until it finds nothing more to do."""
    done = 0
    while True:
        with unit_of_work(factory, SYSTEM) as session:
            count = step(session)
        if not count:
            return done
        done += count


if __name__ == "__main__":
    main()
