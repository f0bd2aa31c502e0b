"""One clock on the screens and in started processes: none reads the server's wall clock."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from klassruk.clock import utcnow
from tests.frozen import TODAY

ROOT = Path(__file__).resolve().parents[1]
# Without a value Streamlit starts these at the server's own today/now (its zone, its clock),
# not the school's: a school in Vladivostok would plan a test for yesterday each morning.
WIDGETS = {"date_input", "time_input", "datetime_input"}


def _widgets_without_a_value() -> Iterator[str]:
    files = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("components/**/*.py")]
    for path in sorted(files):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in WIDGETS
                and len(node.args) < 2
                and not any(keyword.arg == "value" for keyword in node.keywords)
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}"


def test_date_and_time_widgets_start_from_the_school_clock():
    assert list(_widgets_without_a_value()) == []


def test_a_process_the_suite_starts_lives_on_the_suite_clock():
    # A CLI command, a sender or an app server a test starts must see the day the test sees,
    # whatever the real date is (the browser tests' demo school is seeded around it).
    probe = (
        "from klassruk.clock import school_today, utcnow; "
        "print(school_today('Europe/Moscow').isoformat(), utcnow().timestamp())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    day, moment = result.stdout.split()
    assert day == TODAY.isoformat()
    assert abs(float(moment) - utcnow().timestamp()) < 30
