"""Benchmark the reports on the LARGE demo school with a year of journal and family activity.

    .venv/bin/python scripts/bench_reports.py                       # SQLite file under /tmp
    .venv/bin/python scripts/bench_reports.py --url postgresql+psycopg://postgres@127.0.0.1/bench

Seeds the LARGE demo (88 classes, 2,200 students) up to the year's last day (the journal and
the families' logins and acknowledgements of the whole year), then times, as medians: one
class's activity report (a quarter), one class's analytical report, every class's analytical
report (one pass over all pupils, as «send to all classes» builds them), and three ad-hoc pivots.
The database at --url is emptied first unless --reuse.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from klassruk.clock import school_today
from klassruk.demo.catalogue import TIMEZONE, demo_year
from klassruk.infra.db import unit_of_work
from klassruk.models.families import Acknowledgement, FamilyActivity
from klassruk.models.journal import Grade
from klassruk.models.school import SchoolClass
from klassruk.services import calendar
from klassruk.services.reports import activity, analytical, pivot
from klassruk.services.reports.pivot import Dimension, Filters, Measure
from scripts.bench_seed import SYSTEM, large_school

# The journal is filled for the whole year of the demo the day it is seeded.
YEAR_ENDS = demo_year(school_today(TIMEZONE)).ends_on


def _median_ms(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Seed, then time each report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="sqlite:////tmp/klassruk_bench_reports.sqlite3")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="skip seeding, use existing data")
    args = parser.parse_args()
    factory = large_school(args.url, today=YEAR_ENDS, fresh=not args.reuse)
    with unit_of_work(factory, SYSTEM, read_only=True) as session:
        classes = session.scalars(select(SchoolClass).order_by(SchoolClass.grade)).all()
        one = next(c for c in classes if c.grade == 7)
        period = calendar.get_period(session, calendar.list_periods(session)[1].period_id)
        counts = [session.scalar(select(func.count()).select_from(t))
                  for t in (Grade, FamilyActivity, Acknowledgement)]
        dialect = session.get_bind().dialect.name
    print(f"{dialect}: {len(classes)} classes, {counts[0]} grades, {counts[1]} family events, "
          f"{counts[2]} acknowledgements")

    def activity_one() -> None:
        with unit_of_work(factory, SYSTEM, read_only=True) as session:
            activity.activity_report(session, SYSTEM, class_id=one.id, starts_on=period.starts_on,
                                     ends_on=period.ends_on, on=YEAR_ENDS)

    def analytical_one() -> None:
        with unit_of_work(factory, SYSTEM, read_only=True) as session:
            analytical.analytical_report(session, SYSTEM, class_id=one.id, period_id=period.id,
                                         on=YEAR_ENDS)

    def analytical_all() -> None:
        with unit_of_work(factory, SYSTEM, read_only=True) as session:
            analytical.build_reports(
                session, classes=list(session.scalars(select(SchoolClass))),
                period=calendar.get_period(session, period.id), on=YEAR_ENDS,
            )

    def pivot_of(measure: Measure, rows: Dimension, columns: Dimension) -> Callable[[], None]:
        def run() -> None:
            with unit_of_work(factory, SYSTEM, read_only=True) as session:
                pivot.pivot(session, SYSTEM, measure=measure, rows=rows, columns=columns,
                            filters=Filters(), on=YEAR_ENDS)
        return run

    runs: list[tuple[str, Callable[[], None], int]] = [
        ("activity report, one class", activity_one, args.repeats),
        ("analytical report, one class", analytical_one, args.repeats),
        ("analytical reports, all classes", analytical_all, 3),
        ("pivot: average, class × subject",
         pivot_of(Measure.AVERAGE, Dimension.CLASS, Dimension.SUBJECT), args.repeats),
        ("pivot: absences, grade level × week",
         pivot_of(Measure.ABSENCES, Dimension.GRADE_LEVEL, Dimension.WEEK), args.repeats),
        ("pivot: acknowledged, class × period",
         pivot_of(Measure.ACK_RATE, Dimension.CLASS, Dimension.PERIOD), args.repeats),
    ]
    for name, run, repeats in runs:
        run()  # warm-up
        print(f"{name:38s} median {_median_ms(run, repeats):9.1f} ms ({repeats} runs)")


if __name__ == "__main__":
    main()
