"""Upgrades with data: each earlier release seeds its own demo, today's code migrates it.

For every revision the schema ever stood at, the release whose newest migration it was (read
from git history) seeds a small demo school with its own code; the current migrations then
bring it to head. No row may be lost, the schema must match the models, and for the first,
a middle and the last release every page opens for every role.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, inspect, select, table, text

from klassruk.access.permissions import ROLE_ACTIONS
from klassruk.infra.db import make_engine
from klassruk.infra.schema import SchemaState, schema_drift, schema_state, upgrade_to_head
from klassruk.infra.settings import PROJECT_ROOT
from klassruk.services.accounts.login import find_user_by_login

MIGRATIONS = PROJECT_ROOT / "migrations" / "versions"
PAGES_CHECKED_AT = {"0001", "0008"}  # and the newest earlier release (added below)


def _git(*args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ""


_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"'](\w+)", re.M)
_PARENT = re.compile(r"^down_revision\b[^=]*=\s*[\"'](\w+)", re.M)


def _graph(sources: list[str]) -> dict[str, str | None] | None:
    """revision → down_revision of a set of migration files; None if an id repeats."""
    graph: dict[str, str | None] = {}
    for source in sources:
        revision, parent = _REVISION.search(source), _PARENT.search(source)
        if revision is None or revision.group(1) in graph:
            return None
        graph[revision.group(1)] = parent.group(1) if parent else None
    return graph


def _graph_at(commit: str) -> dict[str, str | None] | None:
    paths = _git("ls-tree", "--name-only", commit, "migrations/versions/").splitlines()
    return _graph([_git("show", f"{commit}:{p}") for p in paths if p.endswith(".py")])


def _chain_to(graph: dict[str, str | None], head: str) -> dict[str, str | None]:
    chain: dict[str, str | None] = {}
    revision: str | None = head
    while revision is not None and revision in graph:
        chain[revision] = graph[revision]
        revision = graph[revision]
    return chain


def _releases() -> list[tuple[str, str]]:
    """(revision, commit): the newest commit whose migrations were today's chain up to it.

    Migrations were once renumbered while parallel branches merged, so a tree counts only if
    its graph is exactly today's chain ending at its single head.
    """
    today = _graph([path.read_text() for path in sorted(MIGRATIONS.glob("*.py"))]) or {}
    touching = _git("log", "--first-parent", "--format=%H", "--", str(MIGRATIONS)).splitlines()
    found: dict[str, str] = {}
    # A tree set by commit touching[i] stands until touching[i - 1]: its last commit is the
    # parent of that one (or HEAD for the newest).
    for index, commit in enumerate(touching):
        graph = _graph_at(commit)
        heads = set(graph or {}) - set((graph or {}).values())
        if graph is None or len(heads) != 1:
            continue
        head = heads.pop()
        if head in found or graph != _chain_to(today, head):
            continue
        last = _git("rev-parse", f"{touching[index - 1]}^" if index else "HEAD")
        found[head] = last
    newest = max(today, default=None)
    return sorted((r, c) for r, c in found.items() if r != newest)


RELEASES = _releases()
if RELEASES:
    PAGES_CHECKED_AT.add(RELEASES[-1][0])


def _seed_with_release(commit: str, database_url: str, folder: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=PROJECT_ROOT, capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as files:
        files.extractall(folder, filter="data")
    env = {
        **os.environ,
        # Releases before Argon2id read the bcrypt cost; later ones the hash cost.
        "KLASSRUK_BCRYPT_ROUNDS": "4",
        "KLASSRUK_PASSWORD_HASH_COST": "test",
        "KLASSRUK_DATA_DIR": str(folder / "data"),
    }
    subprocess.run(
        [sys.executable, "-m", "klassruk", "--database-url", database_url, "demo",
         "--first-grade", "5", "--last-grade", "7", "--classes-per-grade", "1",
         "--students-per-class", "3"],
        cwd=folder, env=env, check=True, capture_output=True,
    )


def _row_counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
        counts = {
            name: connection.scalar(select(func.count()).select_from(table(name)))
            for name in names
        }
    engine.dispose()
    return counts


@pytest.mark.skipif(not RELEASES, reason="needs the git history of the project")
@pytest.mark.parametrize(("revision", "commit"), RELEASES, ids=[r for r, _ in RELEASES])
def test_an_earlier_release_with_its_data_upgrades_to_head(
    app_env, tmp_path, frozen_clock, revision, commit
):
    database_url = app_env
    _seed_with_release(commit, database_url, tmp_path / "release")
    # The release ran on the machine's clock (its accounts' session stamps too): so do we.
    frozen_clock.move_to(datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC))
    before = _row_counts(database_url)
    assert before["student"] > 0

    upgrade_to_head(database_url)

    assert schema_state(database_url) is SchemaState.CURRENT
    assert schema_drift(database_url) == []
    after = _row_counts(database_url)
    # Not one row lost but what migration 0024 repairs on purpose: earlier demos booked a
    # teacher twice at one hour; each later slot of such a pair goes, its lessons and their
    # records stay, and the change log names every slot removed.
    removed_slots = _slots_removed_by_0024(database_url)
    expected = dict(before)
    if removed_slots:
        expected["timetable_slot"] -= removed_slots
        expected["audit_log"] += removed_slots
    assert {name: after[name] for name in before} == expected
    if revision in PAGES_CHECKED_AT:
        _every_page_opens_for_every_role(database_url)


def _slots_removed_by_0024(database_url: str) -> int:
    """Change-log rows of the slots migration 0024 removed (a teacher booked twice at an hour)."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        removed = connection.scalar(
            text("SELECT count(*) FROM audit_log WHERE actor_login = 'migration 0024'")
        )
    engine.dispose()
    return int(removed or 0)


def _every_page_opens_for_every_role(database_url: str) -> None:
    from components.kit.nav import PAGES
    from klassruk.infra.db import make_session_factory
    from tests.pages.conftest import login, open_app
    from tests.pages.test_app import DEMO_LOGINS

    factory = make_session_factory(make_engine(database_url))
    for role, login_name in DEMO_LOGINS.items():
        with factory() as session:
            user = find_user_by_login(session, login_name)
            assert user is not None
            granted = set().union(*(ROLE_ACTIONS[r] for r in user.roles))
        at = login(open_app(), login_name)
        assert not at.exception, (role, at.exception)
        assert at.title[0].value == "Главная", (role, [e.value for e in at.error])
        with factory() as session:
            # A release before Argon2id stored bcrypt: the login has replaced it.
            stored = find_user_by_login(session, login_name)
            assert stored is not None and (stored.password_hash or "").startswith("$argon2id$")
        for spec in PAGES:
            if spec.action in granted:
                at.switch_page(spec.path).run()
                assert not at.exception, (role, spec.path, at.exception)
