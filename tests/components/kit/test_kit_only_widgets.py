"""Widgets whose Streamlit defaults speak English are built only by the page kit."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A multiselect says «Choose options» and offers «Select all»: the kit's multi_picker speaks
# Russian. A data frame with no rows says «empty» (and a missing value «None»): the kit's
# show_table writes a Russian line instead, and keeps every table full width without the index.
KIT_ONLY = {"multiselect", "dataframe"}


def _calls_outside_the_kit() -> list[str]:
    files = [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("components/**/*.py")]
    found = []
    for path in sorted(files):
        if path.is_relative_to(ROOT / "components" / "kit"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in KIT_ONLY
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}")
    return found


def test_english_speaking_widgets_come_only_from_the_kit():
    assert _calls_outside_the_kit() == []
