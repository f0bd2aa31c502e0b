"""Counting the SQL statements a piece of service code sends: batching tests assert on it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, event


def count_statements(engine: Engine, run: Callable[[], object], *, containing: str = "") -> int:
    """How many statements `run` sent through `engine` (only those containing the text, if any)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if containing in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)
