"""Write the module map (each module's first docstring line) into README.md between its markers.

    .venv/bin/python scripts/module_map.py            # rewrite the README's section
    .venv/bin/python scripts/module_map.py --check    # exit 1 when the section is stale

Covers klassruk/, components/ and app_pages/: a package by its `__init__.py` docstring, a
module by its own. Docstrings are read with `ast`, nothing is imported.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "<!-- module map: written by `python scripts/module_map.py` from the docstrings -->"
END = "<!-- end of module map -->"
TREES = {
    "klassruk": None,
    "components": None,
    # Page scripts are no package: their folder is described here.
    "app_pages": "One thin script per screen, registered in `components/kit/nav.py`.",
}


def first_line(path: Path) -> str:
    """The first line of a module's docstring."""
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    return docstring.strip().splitlines()[0] if docstring else "(no docstring)"


def _is_mapped(path: Path) -> bool:
    if path.is_dir():
        return (path / "__init__.py").is_file()
    return path.suffix == ".py" and path.name != "__init__.py"


def _entries(folder: Path, depth: int) -> list[str]:
    lines = []
    for child in sorted(filter(_is_mapped, folder.iterdir()), key=lambda p: p.name):
        indent = "  " * depth
        if child.is_dir():
            lines.append(f"{indent}- `{child.name}/` — {first_line(child / '__init__.py')}")
            lines += _entries(child, depth + 1)
        else:
            lines.append(f"{indent}- `{child.name}` — {first_line(child)}")
    return lines


def module_map(root: Path = ROOT) -> str:
    """The map as Markdown: one nested list item per package and module."""
    lines = []
    for tree, about in TREES.items():
        folder = root / tree
        lines.append(f"- `{tree}/` — {about or first_line(folder / '__init__.py')}")
        lines += _entries(folder, 1)
    return "\n".join(lines)


def with_map(readme: str, generated: str) -> str:
    """The README with the text between the markers replaced by `generated`."""
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md lacks the markers:\n{START}\n{END}")
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{generated}\n{END}{after}"


def main() -> int:
    """Rewrite the README's map, or with --check only say whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args()
    readme = README.read_text(encoding="utf-8")
    wanted = with_map(readme, module_map())
    if args.check:
        if wanted != readme:
            print("README.md's module map is stale: run `python scripts/module_map.py`")
            return 1
        return 0
    if wanted != readme:
        README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
