"""The README's module map is what `scripts/module_map.py` writes; its glossary names real code."""

from __future__ import annotations

import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _module_map_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("module_map", ROOT / "scripts/module_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_map_is_current() -> None:
    script = _module_map_script()
    assert script.with_map(README, script.module_map()) == README, (
        "README.md's module map is stale: run `python scripts/module_map.py`"
    )


def _glossary_names() -> list[str]:
    section = README.split("\n## Glossary\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    assert rows, "the glossary table is gone"
    names = []
    for row in rows:
        found = re.findall(r"`([^`]+)`", row.split("|")[2])
        assert found, f"a glossary row names no code: {row}"
        names += found
    return names


def _resolves(name: str) -> bool:
    """A module, or an attribute of one (a class, a function)."""
    try:
        importlib.import_module(name)
        return True
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
    module, _, attribute = name.rpartition(".")
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize("name", _glossary_names())
def test_every_code_name_in_the_glossary_exists(name: str) -> None:
    if "/" in name:
        assert (ROOT / name).exists(), f"the glossary names a missing file: {name}"
        return
    assert name.startswith(("klassruk.", "components.")), (
        f"name {name!r} in full, e.g. `klassruk.services.journal`, so the test can find it"
    )
    assert _resolves(name), f"the glossary names {name}, which no longer exists"
