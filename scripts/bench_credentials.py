"""Benchmark: issue credentials for a large generated school and render all the slips.

Run: .venv/bin/python scripts/bench_credentials.py [--database-url URL]
Prints the figures that go in the README. Issuing runs no password hashing (codes use SHA-256).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from klassruk.access.permissions import Actor, Role
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import LARGE, SCHOOL_NAME
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models import ActivationCode, AuditLog, Base
from klassruk.models.school import SchoolClass
from klassruk.pdf.slips import render_slips
from klassruk.services.credentials.issuing import issue_credentials
from klassruk.services.credentials.people import class_people

TODAY = date(2026, 10, 1)


def main() -> None:
    """Seed LARGE, issue for every person class by class as the admin, render one PDF."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="klassruk-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    system = Actor.system("bench")

    started = time.perf_counter()
    with unit_of_work(factory, system) as session:
        school = seed_demo_school(session, size=LARGE, today=TODAY)
    seeded = time.perf_counter() - started
    print(f"database: {engine.dialect.name}")
    print(
        f"seeded LARGE school in {seeded:.1f} s: {school.classes} classes, "
        f"{school.students} students, {school.guardians} guardians, {school.accounts} accounts"
    )

    admin = Actor(login="bench-admin", roles=frozenset({Role.ADMIN}))
    with factory() as session:
        class_ids = list(session.scalars(select(SchoolClass.id).order_by(SchoolClass.id)))
        selections = {cid: sorted(class_people(session, cid, TODAY)) for cid in class_ids}
    issued = []
    started = time.perf_counter()
    # One transaction per class, as the page does it (a class teacher issues for own class).
    for class_id in class_ids:
        with unit_of_work(factory, admin) as session:
            result = issue_credentials(
                session, admin, class_id=class_id, on=TODAY, people=selections[class_id]
            )
            issued.extend(result.issued)
    issue_seconds = time.perf_counter() - started
    with factory() as session:
        codes = session.scalar(select(func.count(ActivationCode.id)))
        audit_rows = session.scalar(select(func.count(AuditLog.id)))
    print(
        f"issued {len(issued)} credentials ({len({c.login for c in issued})} distinct accounts) "
        f"in {issue_seconds:.2f} s = {1000 * issue_seconds / len(issued):.2f} ms each; "
        f"{codes} code rows, {audit_rows} audit rows"
    )

    started = time.perf_counter()
    pdf = render_slips(issued, school_name=SCHOOL_NAME, app_url="https://klassruk.example")
    render_seconds = time.perf_counter() - started
    out = workdir / "slips.pdf"
    out.write_bytes(pdf)
    pages = -(-len(issued) // 8)
    print(
        f"rendered {len(issued)} slips on {pages} A4 pages in {render_seconds:.1f} s "
        f"({1000 * render_seconds / len(issued):.1f} ms per slip), "
        f"{len(pdf) / 1_000_000:.1f} MB -> {out}"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
