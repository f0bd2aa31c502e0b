"""Benchmark the family cabinet: every screen's service time for 200 random guardians.

    .venv/bin/python scripts/bench_cabinet.py                       # SQLite file under /tmp
    .venv/bin/python scripts/bench_cabinet.py --url postgresql+psycopg://postgres@127.0.0.1/cabinet_bench

Seeds the LARGE demo school with a whole year of the journal into an empty database (a database
that already holds it is reused), then, for each of 200 random guardians with an account, opens
every cabinet screen of their first child the way the page does: the child picker, the services
the screen's page calls in one read-only unit of work, and the one-row activity write in its own.
Prints the median and 95th percentile per screen.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from klassruk.access.permissions import Actor
from klassruk.clock import school_today
from klassruk.demo.catalogue import TIMEZONE, demo_year
from klassruk.infra.db import unit_of_work
from klassruk.models.accounts import AccountStatus, UserAccount
from klassruk.models.families import FamilyEvent
from klassruk.models.journal import Grade
from klassruk.services import activity, calendar
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.acknowledgements.state import items_to_acknowledge, week_status
from klassruk.services.cabinet import lessons, record, school
from klassruk.services.cabinet.common import list_children
from klassruk.services.delivery import require_electronic_access
from scripts.bench_seed import SYSTEM, large_school

ON = demo_year(school_today(TIMEZONE)).ends_on  # the journal is filled for the whole year
GUARDIANS = 200
SEED = 20261129
Screen = Callable[[Session, Actor, int, int], object]


def _home(session: Session, actor: Actor, student_id: int, period_id: int) -> None:
    lessons.changes_on(session, actor, student_id=student_id, on=ON)
    since = record.new_grades_since(session, actor, student_id=student_id, on=ON)
    record.new_grades(session, actor, student_id=student_id, since=since, on=ON, timezone=TIMEZONE)
    lessons.homework(session, actor, student_id=student_id, on=ON)
    week_status(session, actor, student_id=student_id, week_start=ON, on=ON)


def _acknowledgement(session: Session, actor: Actor, student_id: int, period_id: int) -> None:
    monday = calendar.week_start(ON)
    week_status(session, actor, student_id=student_id, week_start=monday, on=ON)
    items_to_acknowledge(session, actor, student_id=student_id, on=ON)


def _recommendations(session: Session, actor: Actor, student_id: int, period_id: int) -> None:
    record.recommendations_of(session, actor, student_id=student_id, on=ON)
    items_to_acknowledge(session, actor, student_id=student_id, on=ON)


SCREENS: dict[str, Screen] = {
    "home": _home,
    "grades": lambda s, a, c, p: record.grades_of_period(s, a, student_id=c, period_id=p, on=ON),
    "homework": lambda s, a, c, p: lessons.homework(s, a, student_id=c, on=ON),
    "timetable": lambda s, a, c, p: lessons.timetable_week(
        s, a, student_id=c, week_start=calendar.week_start(ON), on=ON
    ),
    "tests": lambda s, a, c, p: lessons.tests_of_period(s, a, student_id=c, period_id=p, on=ON),
    "teachers": lambda s, a, c, p: school.teachers_of_child(s, a, student_id=c, on=ON),
    "calendar": lambda s, a, c, p: school.year_calendar(s, a, student_id=c, on=ON),
    "recommendations": _recommendations,
    "absences": lambda s, a, c, p: record.absences_of_period(
        s, a, student_id=c, period_id=p, on=ON
    ),
    "acknowledgement": _acknowledgement,
}


def main() -> None:
    """Seed if needed, then time every screen for random guardians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="sqlite:////tmp/klassruk_cabinet_bench.sqlite3")
    args = parser.parse_args()
    factory = large_school(args.url, today=ON, fresh=False)
    with unit_of_work(factory, SYSTEM) as session:
        accounts = session.scalars(
            select(UserAccount)
            .where(UserAccount.guardian_id.is_not(None), UserAccount.status == AccountStatus.ACTIVE)
            .order_by(UserAccount.id)
        ).all()
        actors = [
            actor_for(a, session_id="bench")
            for a in random.Random(SEED).sample(accounts, GUARDIANS)
        ]
        period = calendar.period_for_today(session, ON)
        assert period is not None
        grades = session.scalar(select(func.count()).select_from(Grade))
        dialect = session.get_bind().dialect.name
    print(f"{dialect}: {len(accounts)} active guardian accounts, {grades} grades")
    times: dict[str, list[float]] = {name: [] for name in ("picker", *SCREENS, "activity row")}
    for actor in actors:
        start = time.perf_counter()
        with unit_of_work(factory, actor, read_only=True) as session:
            children = list_children(session, actor, on=ON)
            activity.last_viewed_student(session, actor)
        with unit_of_work(factory, actor, read_only=True) as session:
            require_electronic_access(session, actor, student_id=children[0].student_id, on=ON)
        times["picker"].append(time.perf_counter() - start)
        child = children[0]
        for name, screen in SCREENS.items():
            start = time.perf_counter()
            with unit_of_work(factory, actor, read_only=True) as session:
                screen(session, actor, child.student_id, period.period_id)
            times[name].append(time.perf_counter() - start)
        start = time.perf_counter()
        with unit_of_work(factory, actor) as session:
            activity.record_family_event(
                session,
                actor,
                event=FamilyEvent.SCREEN,
                on=ON,
                student_id=child.student_id,
                class_id=child.class_id,
                section="bench",
            )
        times["activity row"].append(time.perf_counter() - start)
    print(f"{'screen':16s} {'median':>8s} {'p95':>8s}  (ms, {GUARDIANS} guardians)")
    for name, samples in times.items():
        ms = sorted(t * 1000 for t in samples)
        p95 = ms[int(len(ms) * 0.95) - 1]
        print(f"{name:16s} {statistics.median(ms):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
