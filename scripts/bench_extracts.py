"""Benchmark paper extracts: one class of 30 into one PDF, and the whole LARGE school.

    .venv/bin/python scripts/bench_extracts.py                       # SQLite file under /tmp
    .venv/bin/python scripts/bench_extracts.py --url postgresql+psycopg://postgres@127.0.0.1/bench

Seeds the LARGE demo school with its journal up to the demo day (the database at --url is
emptied first unless --reuse), then prints extracts as the page does: one transaction
registers the batch and collects its content, the PDF is rendered after it. Times are medians
over --repeats; --no-school stops after the class of 30.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from klassruk.clock import school_today
from klassruk.demo.catalogue import TIMEZONE
from klassruk.infra.db import unit_of_work
from klassruk.models.journal import Grade
from klassruk.models.school import SchoolClass
from klassruk.pdf.extracts import render_extracts
from klassruk.services import calendar
from klassruk.services.extracts.content import ExtractContent
from klassruk.services.extracts.printing import Family, print_extracts
from klassruk.services.roster.people import class_people
from scripts.bench_seed import SYSTEM, large_school

CLASS_SIZE = 30
TODAY = school_today(TIMEZONE)
WEEK_END = TODAY - timedelta(days=TODAY.weekday() + 1)
WEEK_START = WEEK_END - timedelta(days=6)


def _families(session, class_id: int, limit: int | None) -> list[Family]:  # type: ignore[no-untyped-def]
    people = class_people(session, class_id, TODAY)
    families = [Family(g, s) for g, kids in people.children.items() for s in kids]
    return families[:limit] if limit else families


Timing = tuple[float, float, float, int]


def _batch(factory, class_id: int, families: list[Family], **span) -> Timing:  # type: ignore[no-untyped-def]
    """Wall time to collect and to render, CPU time of both, PDF size."""
    start, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(factory, SYSTEM) as session:
        contents: list[ExtractContent] = print_extracts(
            session, SYSTEM, class_id=class_id, on=TODAY, families=families, **span
        )
    collected = time.perf_counter()
    pdf = render_extracts(contents, school_name="Демо-школа", timezone="Europe/Moscow")
    rendered = time.perf_counter()
    return collected - start, rendered - collected, time.process_time() - cpu, len(pdf)


def main() -> None:
    """Seed, then time one class of 30 (a week and a period) and the whole school (a week)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="sqlite:////tmp/klassruk_bench_extracts.sqlite3")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="skip seeding, use existing data")
    parser.add_argument("--no-school", action="store_true", help="time one class only")
    args = parser.parse_args()
    factory = large_school(args.url, today=None, fresh=not args.reuse)
    with unit_of_work(factory, SYSTEM) as session:
        classes = list(session.scalars(select(SchoolClass.id).order_by(SchoolClass.id)))
        grades = session.scalar(select(func.count()).select_from(Grade))
        period = calendar.period_on(session, WEEK_END)
        assert period is not None
        period_id = period.id
        one_class = classes[len(classes) // 2]
        thirty = _families(session, one_class, CLASS_SIZE)
    print(f"{len(classes)} classes, {grades:,} grades; week {WEEK_START}–{WEEK_END}")

    week = {"date_from": WEEK_START, "date_to": WEEK_END}
    spans = (("a week", week), (f"the period «{period.name}»", {"period_id": period_id}))
    for label, span in spans:
        runs = [_batch(factory, one_class, thirty, **span) for _ in range(args.repeats)]
        collect = statistics.median(r[0] for r in runs)
        render = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        print(
            f"class of {len(thirty)}, {label}: collect {collect * 1000:.0f} ms + render "
            f"{render * 1000:.0f} ms = {(collect + render) * 1000:.0f} ms wall, "
            f"{cpu * 1000:.0f} ms CPU of this process, {runs[0][3] / 1024:.0f} KB"
        )

    if args.no_school:
        return
    start, cpu = time.perf_counter(), time.process_time()
    total = size = collect = 0.0
    for class_id in classes:
        with unit_of_work(factory, SYSTEM) as session:
            families = _families(session, class_id, None)
        spent_collect, _, _, pdf_size = _batch(factory, class_id, families, **week)
        total += len(families)
        collect += spent_collect
        size += pdf_size
    seconds = time.perf_counter() - start
    print(
        f"whole school, a week: {total:.0f} extracts in {len(classes)} class PDFs in "
        f"{seconds:.1f} s wall (collect {collect:.1f} s), {time.process_time() - cpu:.1f} s CPU, "
        f"{seconds / total * 1000:.1f} ms per extract, "
        f"{size / 1024 / 1024:.1f} MB"
    )


if __name__ == "__main__":
    main()
