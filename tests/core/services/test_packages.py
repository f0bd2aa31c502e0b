"""Service packages say what they hold: `__all__` names only what the package has."""

from __future__ import annotations

import importlib
import pkgutil

import klassruk.services


def test_every_name_a_package_exports_exists():
    stale = {}
    for info in pkgutil.walk_packages(klassruk.services.__path__, "klassruk.services."):
        module = importlib.import_module(info.name)
        missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
        if missing:
            stale[info.name] = missing
    assert stale == {}
