"""Rooms stay small enough to read: a service module carries one concern, a screen one screen.

A service module over 400 lines, or a screen body (components outside the kit, and pages) over
250, has grown a second concern: split it by concern into a package, as credentials/ and
timetable/ are, and move its tests with it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMITS = (
    ("klassruk/services", 400, ()),
    ("components", 250, ("components/kit",)),
    ("app_pages", 250, ()),
)


def _too_long(folder: str, limit: int, excluded: tuple[str, ...]) -> dict[str, int]:
    sizes = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(excluded):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > limit:
            sizes[relative] = lines
    return sizes


@pytest.mark.parametrize(("folder", "limit", "excluded"), LIMITS, ids=[f for f, _, _ in LIMITS])
def test_no_room_outgrows_its_limit(folder, limit, excluded):
    assert _too_long(folder, limit, excluded) == {}, f"split by concern (limit {limit} lines)"
