"""The LARGE demo school the benchmarks time: seeded once, reused while it holds the data."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import LARGE
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from klassruk.models.school import SchoolYear

SYSTEM = Actor.system("bench")


def reset(url: str) -> None:
    """Empty the database: delete the SQLite file, or drop PostgreSQL's public schema."""
    engine = make_engine(url)
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def large_school(url: str, *, today: date | None, fresh: bool) -> sessionmaker[Session]:
    """Sessions on the LARGE school at `url`, its journal filled up to `today`.

    `fresh` empties the database and seeds it again; otherwise a seeded database is reused
    (migrated to the head first, so new indexes apply) and an empty one is seeded.
    """
    if fresh:
        reset(url)
    upgrade_to_head(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory, SYSTEM) as session:
        seeded = session.scalar(select(func.count()).select_from(SchoolYear))
    if not seeded:
        start = time.perf_counter()
        with unit_of_work(factory, SYSTEM) as session:
            seed_demo_school(session, size=LARGE, today=today)
        print(f"seeded the LARGE school and its journal in {time.perf_counter() - start:.0f} s")
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return factory
