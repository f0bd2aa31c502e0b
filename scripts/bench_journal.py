"""Benchmark the class journal on a large generated school with a full year of grades.

    .venv/bin/python scripts/bench_journal.py                       # SQLite file under /tmp
    .venv/bin/python scripts/bench_journal.py --url postgresql+psycopg://postgres@127.0.0.1/bench

Seeds the LARGE demo school (2,000+ students) and a whole year of the journal (about a
million grade rows), then times the class summary of one class for one period and the
student card, printing medians. The database at --url is emptied first.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from klassruk.clock import school_today
from klassruk.demo.catalogue import TIMEZONE, demo_year
from klassruk.infra.db import unit_of_work
from klassruk.models.journal import Grade, Lesson
from klassruk.models.school import Enrolment, SchoolClass, Student
from klassruk.services import calendar
from klassruk.services.class_journal.card import student_card
from klassruk.services.class_journal.charts import class_charts
from klassruk.services.class_journal.summary import class_summary
from scripts.bench_seed import SYSTEM, large_school


def _median_ms(run, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Seed, then time the summary and the student card."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="sqlite:////tmp/klassruk_bench.sqlite3")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="skip seeding, use existing data")
    args = parser.parse_args()
    year_end = demo_year(school_today(TIMEZONE)).ends_on  # the journal filled for the whole year
    factory = large_school(args.url, today=year_end, fresh=not args.reuse)
    with unit_of_work(factory, SYSTEM) as session:
        students = session.scalar(select(func.count()).select_from(Student))
        grades = session.scalar(select(func.count()).select_from(Grade))
        lessons = session.scalar(select(func.count()).select_from(Lesson))
        class_id = session.scalar(
            select(SchoolClass.id).where(SchoolClass.grade == 7).order_by(SchoolClass.id)
        )
        periods = calendar.list_periods(session)
        period_id = periods[1].period_id
        student_id = session.scalar(
            select(Enrolment.student_id).where(Enrolment.class_id == class_id).limit(1)
        )
        dialect = session.get_bind().dialect.name
    print(f"{dialect}: {students} students, {lessons} lessons, {grades} grades")

    def summary() -> None:
        with unit_of_work(factory, SYSTEM) as session:
            class_summary(session, SYSTEM, class_id=class_id, period_id=period_id)

    def charts() -> None:
        with unit_of_work(factory, SYSTEM) as session:
            class_charts(session, SYSTEM, class_id=class_id, period_id=period_id)

    def card() -> None:
        with unit_of_work(factory, SYSTEM) as session:
            student_card(
                session, SYSTEM, student_id=student_id, period_id=period_id
            )

    for name, run in (("class summary", summary), ("class charts", charts), ("student card", card)):
        run()  # warm-up
        print(f"{name:14s} median {_median_ms(run, args.repeats):8.1f} ms ({args.repeats} runs)")


if __name__ == "__main__":
    main()
