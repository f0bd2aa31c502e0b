"""Run several real sessions at the same moment, each in its own thread and transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from klassruk.access.permissions import Actor
from klassruk.infra.db import unit_of_work

Read = Callable[[Session], Any]
Write = Callable[[Session, Any], Any]


def run_together(
    factory: sessionmaker[Session],
    writers: Sequence[tuple[Actor, Read, Write]],
    *,
    hold_s: float = 0.0,
) -> list[Any]:
    """Each writer reads in one transaction, all wait for each other, then all write at once.

    A writer is (actor, read, write); `write` gets its session and what `read` returned.
    `hold_s` keeps each write transaction open that long before its commit, so the writes
    surely overlap: without a guard in the database the other writer reads the state as it
    was before, whatever the thread scheduling.
    Returns, per writer, what `write` returned or the exception it raised.
    """
    barrier = threading.Barrier(len(writers))
    results: list[Any] = [None] * len(writers)

    def work(index: int, actor: Actor, read: Read, write: Write) -> None:
        try:
            with unit_of_work(factory, actor) as session:
                seen = read(session)
        except Exception as error:  # the test asserts on it
            results[index] = error
            barrier.abort()
            return
        barrier.wait(timeout=60)
        try:
            with unit_of_work(factory, actor) as session:
                results[index] = write(session, seen)
                time.sleep(hold_s)
        except Exception as error:  # the test asserts on it
            results[index] = error

    threads = [
        threading.Thread(target=work, args=(index, actor, read, write))
        for index, (actor, read, write) in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
