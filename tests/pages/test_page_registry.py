"""Every page file is in the registry that builds the menu; a registered page guards itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.kit.nav import (
    CHANGE_PASSWORD_PAGE,
    GATE_PAGES,
    PAGES,
    SECOND_FACTOR_PAGE,
    PageSpec,
)
from klassruk.access.permissions import ROLE_ACTIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAGE_FILES = sorted(
    path.relative_to(PROJECT_ROOT).as_posix()
    for path in (PROJECT_ROOT / "app_pages").glob("*.py")
)
REGISTERED = [spec.path for spec in PAGES]


def _first_statement(path: str) -> ast.stmt:
    """The page's first statement that does anything: after its docstring, imports, constants."""
    tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        literal = isinstance(node, ast.Expr | ast.Assign) and isinstance(node.value, ast.Constant)
        if not literal and not isinstance(node, ast.Import | ast.ImportFrom):
            return node
    raise AssertionError(f"{path} has no statements")


def _calls(node: ast.stmt, function: str, *args: str) -> bool:
    """`actor = function(*args)`, the arguments given as names."""
    return (
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == function
        and [a.id for a in node.value.args if isinstance(a, ast.Name)] == list(args)
        and len(node.value.args) == len(args)
    )


def test_every_page_file_is_registered_or_a_gate() -> None:
    unknown = sorted(set(PAGE_FILES) - set(REGISTERED) - set(GATE_PAGES))
    assert not unknown, f"add these pages to PAGES in components/kit/nav.py: {unknown}"


def test_every_registered_page_has_a_file() -> None:
    missing = sorted((set(REGISTERED) | set(GATE_PAGES)) - set(PAGE_FILES))
    assert not missing, f"registered without a file in app_pages/: {missing}"


def test_a_page_is_registered_once() -> None:
    assert len(REGISTERED) == len(set(REGISTERED))
    assert not set(REGISTERED) & set(GATE_PAGES)


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.url_path)
def test_a_registered_page_starts_with_the_guard_of_its_action(spec: PageSpec) -> None:
    # Defence in depth: the menu hides the page, the guard refuses an address typed by hand.
    assert _calls(_first_statement(spec.path), "guard_page", "__file__"), (
        f"{spec.path} must start with `actor = guard_page(__file__)`"
    )
    granted = [role for role, actions in ROLE_ACTIONS.items() if spec.action in actions]
    assert granted, f"no role may open {spec.path}: {spec.action} is in no role's actions"


@pytest.mark.parametrize("path", [CHANGE_PASSWORD_PAGE, SECOND_FACTOR_PAGE])
def test_a_gate_page_for_a_logged_in_user_starts_with_the_actor(path: str) -> None:
    assert _calls(_first_statement(path), "current_actor"), (
        f"{path} must start with `actor = current_actor()`"
    )
