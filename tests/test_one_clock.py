"""One clock on the screens too: no date or time widget starts from the server's wall clock."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

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
