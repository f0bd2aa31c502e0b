"""The README's configuration table names exactly the settings `settings.py` reads."""

from __future__ import annotations

import re
from pathlib import Path

import klassruk.infra.settings

ROOT = Path(__file__).resolve().parents[2]


def _names_read_by_settings() -> set[str]:
    source = Path(klassruk.infra.settings.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'_lookup\(\s*"([A-Z_]+)"', source))


def _names_in_readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z_]+)`", row.split("|")[1])}


def test_readme_documents_every_setting_and_no_other() -> None:
    read = _names_read_by_settings()
    assert read, "settings.py reads no named settings: the pattern above no longer matches"
    assert _names_in_readme_table() == read
