"""Every benchmark and stress script still imports and parses its arguments (they run rarely)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from klassruk.infra.settings import PROJECT_ROOT

SCRIPTS = sorted(p for p in (PROJECT_ROOT / "scripts").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_the_script_answers_its_help(script):
    result = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
