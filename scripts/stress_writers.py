"""Stress: N concurrent writers on the journal and credentials services; counts what got lost.

Run: .venv/bin/python scripts/stress_writers.py [--database-url URL] [--writers 8] [--rounds 10]
The database at --database-url is emptied and seeded with the SMALL demo school (default: a
new SQLite file). Each round, N sessions of the same teacher read the journal grid, wait for
each other and save at once: half write a new value into a cell of their own, half change one
shared cell; then N sessions of the class teacher issue credentials to the whole class at once.
Prints lost updates (a saved grade missing, two winners on one cell, a broken history chain,
a printed slip whose code no longer works), conflicts, confirmations and unhandled errors;
exits 1 if anything was lost or an error was not a domain error.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Action, Actor
from klassruk.clock import utcnow
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import CLASS_TEACHER_LOGIN, SMALL, TEACHER_LOGIN
from klassruk.errors import Conflict, DomainError
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.models import ActivationCode, Base
from klassruk.models.accounts import UserAccount
from klassruk.models.journal import Grade, GradeChange
from klassruk.services import calendar, journal
from klassruk.services.accounts.sessions import actor_for
from klassruk.services.credentials.codes import hash_code
from klassruk.services.credentials.issuing import IssueResult, RecentCodesFound, issue_credentials
from klassruk.services.scope.classes import classes_in_scope

TODAY = date(2026, 10, 1)
SYSTEM = Actor.system("stress")
Cell = tuple[int, int]


def _actor(factory: sessionmaker[Session], login: str, index: int) -> Actor:
    with factory() as session:
        user = session.scalar(select(UserAccount).where(UserAccount.login == login))
        assert user is not None, login
        return actor_for(user, session_id=f"stress-{index}")


def _tally(name: str, results: list[Any], kinds: dict[type, str]) -> Counter[str]:
    """Count results by the first kind they are an instance of; print anything else."""
    count = Counter({"attempts": len(results)})
    for index, result in enumerate(results):
        kind = next((label for cls, label in kinds.items() if isinstance(result, cls)), None)
        if kind is None:
            kind = "unhandled errors"
            first_line = (str(result).splitlines() or [""])[0]
            print(f"  {name} writer {index}: {type(result).__name__}: {first_line}")
        count[kind] += 1
    return count


def _at_once(count: int, work: Callable[[int, Callable[[], None]], Any]) -> list[Any]:
    """Run work(i, ready) in `count` threads, all writing once each has called ready().

    Each result is what work returned or the exception it raised.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    passed = [False] * count

    def run(index: int) -> None:
        def ready() -> None:
            barrier.wait(timeout=60)
            passed[index] = True

        try:
            results[index] = work(index, ready)
        except Exception as error:  # counted and classified by the caller
            results[index] = error
            if not passed[index]:
                barrier.abort()  # the others must not wait for a writer that failed first

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@dataclass
class Journal:
    """The journal the writers share: a cell of its own per even writer, one cell for all."""

    scope: dict[str, int]
    today: date
    own: dict[int, Cell]
    shared: Cell


def _journal(factory: sessionmaker[Session], teacher: Actor, writers: int) -> Journal:
    with unit_of_work(factory, teacher) as session:
        ref = journal.own_assignments(session, teacher)[0]
        period = calendar.period_for_today(session, TODAY)
        assert period is not None
        scope = {
            "group_id": ref.group_id,
            "subject_id": ref.subject_id,
            "period_id": period.period_id,
        }
        grid = journal.read_journal(session, teacher, **scope)
    # The writers pretend it is the period's last day, so every lesson of it may be graded.
    cells = [
        (student.student_id, lesson.lesson_id)
        for lesson in grid.lessons
        if lesson.status == "scheduled"
        for student in grid.students
        if (student.student_id, lesson.lesson_id) not in grid.outside
    ]
    own = dict(zip(range(0, writers, 2), cells[1:], strict=False))
    assert len(own) == len(range(0, writers, 2)), "too many writers for this journal"
    return Journal(scope, period.ends_on, own, cells[0])


def _value(index: int, number: int) -> str:
    return str(1 + (index + number) % 5)


def _journal_round(
    factory: sessionmaker[Session], teachers: list[Actor], book: Journal, number: int
) -> Counter[str]:
    def work(index: int, ready: Callable[[], None]) -> journal.SaveSummary:
        teacher = teachers[index]
        with unit_of_work(factory, teacher, read_only=True) as session:  # as the page reads
            shown = journal.read_journal(session, teacher, **book.scope).cells
        cell = book.own.get(index, book.shared)
        ready()
        with unit_of_work(factory, teacher) as session:
            return journal.save_grid(
                session,
                teacher,
                edits={cell: journal.CellEdit(shown[cell], _value(index, number))},
                reason="нагрузочная проверка",
                today=book.today,
                **book.scope,
            )

    results = _at_once(len(teachers), work)
    count = _tally(
        "journal",
        results,
        {journal.SaveSummary: "saved", Conflict: "conflicts", DomainError: "refused"},
    )
    winners = [
        _value(index, number)
        for index, result in enumerate(results)
        if index not in book.own and isinstance(result, journal.SaveSummary) and result.total
    ]
    with unit_of_work(factory, SYSTEM) as session:
        cells = journal.read_journal(session, SYSTEM, **book.scope).cells
        for index, cell in book.own.items():
            saved = isinstance(results[index], journal.SaveSummary)
            if saved and cells[cell] != _value(index, number):
                count["lost updates"] += 1
        # One winner per round; the cell holds its value; each change starts where the last ended.
        count["lost updates"] += max(0, len(winners) - 1)
        if winners and cells[book.shared] != winners[0]:
            count["lost updates"] += 1
        student_id, lesson_id = book.shared
        chain = session.execute(
            select(GradeChange.old_value, GradeChange.new_value)
            .where(GradeChange.student_id == student_id, GradeChange.lesson_id == lesson_id)
            .order_by(GradeChange.id)
        ).all()
        count["lost updates"] += sum(1 for a, b in pairwise(chain) if a[1] != b[0])
        grades = session.scalars(
            select(Grade.value).where(Grade.student_id == student_id, Grade.lesson_id == lesson_id)
        ).all()
        count["lost updates"] += max(0, len(grades) - 1)
    return count


def _dead_slips(factory: sessionmaker[Session], results: list[Any]) -> int:
    dead = 0
    with factory() as session:
        for result in results:
            if not isinstance(result, IssueResult):
                continue
            for slip in result.issued:
                user = session.scalar(select(UserAccount).where(UserAccount.login == slip.login))
                assert user is not None
                valid = session.scalar(
                    select(ActivationCode.id).where(
                        ActivationCode.user_id == user.id,
                        ActivationCode.code_hash == hash_code(user.id, slip.code),
                        ActivationCode.revoked_at.is_(None),
                    )
                )
                dead += valid is None
    return dead


def _credentials_round(
    factory: sessionmaker[Session], class_teachers: list[Actor], class_id: int, number: int
) -> Counter[str]:
    # Each round two hours after the last: its codes are no longer "from the last hour".
    now = utcnow() + timedelta(hours=2 * (number + 1))

    def work(index: int, ready: Callable[[], None]) -> IssueResult:
        ready()
        actor = class_teachers[index]
        with unit_of_work(factory, actor) as session:
            return issue_credentials(session, actor, class_id=class_id, on=TODAY, now=now)

    results = _at_once(len(class_teachers), work)
    count = _tally(
        "credentials",
        results,
        {IssueResult: "issued", RecentCodesFound: "confirmations asked", DomainError: "refused"},
    )
    count["dead slips"] += _dead_slips(factory, results)
    return count


def _line(name: str, count: Counter[str], keys: tuple[str, ...]) -> str:
    return f"{name}: " + ", ".join(f"{key} {count[key]}" for key in keys)


def main() -> None:
    """Seed, run the rounds, print the counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="klassruk-stress-"))
    url = args.database_url or f"sqlite:///{workdir / 'stress.sqlite3'}"
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory, SYSTEM) as session:
        seed_demo_school(session, size=SMALL, today=TODAY)
    teachers = [_actor(factory, TEACHER_LOGIN, i) for i in range(args.writers)]
    class_teachers = [_actor(factory, CLASS_TEACHER_LOGIN, i) for i in range(args.writers)]
    with factory() as session:
        class_id = classes_in_scope(
            session, class_teachers[0], action=Action.ISSUE_CREDENTIALS
        )[0].class_id
    book = _journal(factory, teachers[0], args.writers)
    print(f"database: {engine.dialect.name}; writers: {args.writers}; rounds: {args.rounds}")

    started = time.perf_counter()
    journal_count = Counter[str]()
    credentials_count = Counter[str]()
    for number in range(args.rounds):
        journal_count += _journal_round(factory, teachers, book, number)
        credentials_count += _credentials_round(factory, class_teachers, class_id, number)
    print(
        _line(
            "journal",
            journal_count,
            ("attempts", "saved", "conflicts", "refused", "lost updates", "unhandled errors"),
        )
    )
    print(
        _line(
            "credentials",
            credentials_count,
            ("attempts", "issued", "confirmations asked", "refused", "dead slips",
             "unhandled errors"),
        )
    )
    print(f"took {time.perf_counter() - started:.1f} s")
    engine.dispose()
    bad = (
        journal_count["lost updates"]
        + journal_count["unhandled errors"]
        + credentials_count["dead slips"]
        + credentials_count["unhandled errors"]
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
