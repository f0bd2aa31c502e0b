"""Paper extracts of a class: the number of queries does not grow with the range or the class."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event

from tests.core.test_extracts import WEEK, _print, school  # noqa: F401  (the fixture)


def _statements(session, run) -> int:  # type: ignore[no-untyped-def]
    seen: list[object] = []
    engine = session.get_bind()

    def count(*_args: object) -> None:
        seen.append(None)

    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_month_of_extracts_takes_as_many_queries_as_a_week(session, school):  # noqa: F811
    week = _statements(session, lambda: _print(session, school))
    month = _statements(
        session, lambda: _print(session, school, date_from=WEEK[0], date_to=date(2026, 10, 11))
    )
    assert month == week
