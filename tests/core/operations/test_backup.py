"""Backup and restore: a drill while a writer saves grades, refusals, encryption, retention."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.errors import DomainError
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.schema import upgrade_to_head
from klassruk.models.journal import Grade, GradeKind, Lesson
from klassruk.operations.backup import (
    content_sums,
    make_backup,
    prune_backups,
    read_backup,
    restore_backup,
)
from tests.conftest import SYSTEM, fresh_database

WRITER = "backup-drill-writer"


@pytest.fixture
def demo_url(database_url: str) -> str:
    """The demo school, migrated (as a deployment has it), on the test database."""
    upgrade_to_head(database_url)
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine), SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    engine.dispose()
    return database_url


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> str:
    """An empty database of the same kind to restore into."""
    return fresh_database(database_url, tmp_path, "restore")


class _Writer(threading.Thread):
    """Saves pairs of grades, one pair per transaction, and notes each commit's number."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.stop, self.committed = engine, threading.Event(), []
        with engine.connect() as connection:
            self.lesson_id, self.student_id = connection.execute(
                select(Grade.lesson_id, Grade.student_id).limit(1)
            ).one()

    def run(self) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            with self.engine.begin() as connection:
                connection.execute(insert(Grade), [self._row(number, half) for half in "ab"])
            self.committed.append(number)
            time.sleep(0.002)

    def _row(self, number: int, half: str) -> dict[str, object]:
        return {
            "lesson_id": self.lesson_id, "student_id": self.student_id, "value": 4,
            "kind": GradeKind.CLASSWORK, "weight": 1.0, "created_by": f"{WRITER}-{number}-{half}",
        }


def _pairs(url: str) -> dict[int, set[str]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        mine = Grade.created_by.like(f"{WRITER}%")
        names = connection.scalars(select(Grade.created_by).where(mine))
        pairs: dict[int, set[str]] = {}
        for name in names:
            _, number, half = name.rsplit("-", 2)
            pairs.setdefault(int(number), set()).add(half)
    engine.dispose()
    return pairs


def test_a_backup_taken_while_grades_are_saved_restores_exactly(demo_url, empty_target, tmp_path):
    engine = make_engine(demo_url)
    writer = _Writer(engine)
    writer.start()
    while len(writer.committed) < 20:
        time.sleep(0.01)
    committed_before = list(writer.committed)
    report = make_backup(demo_url, tmp_path / "backups")
    writer.stop.set()
    writer.join()
    engine.dispose()

    assert os.stat(report.path).st_mode & 0o777 == 0o600
    assert report.tables["grade"].rows > 0 and report.tables["student"].rows > 0

    restored = restore_backup(report.path, empty_target)
    assert restored.tables == report.tables  # every table: same rows, same checksum
    pairs = _pairs(empty_target)
    assert set(committed_before) <= set(pairs)  # all that was committed before it began
    assert all(halves == {"a", "b"} for halves in pairs.values())  # no half transaction
    assert len(writer.committed) > max(pairs)  # and the writer went on during the backup


def test_restore_refuses_a_database_with_data_unless_forced(demo_url, tmp_path):
    report = make_backup(demo_url, tmp_path / "backups")
    with pytest.raises(DomainError, match="не пуста"):
        restore_backup(report.path, demo_url)
    engine = make_engine(demo_url)
    with unit_of_work(make_session_factory(engine), SYSTEM) as session:
        session.execute(Grade.__table__.delete())
    engine.dispose()
    restored = restore_backup(report.path, demo_url, force=True)
    assert restored.tables["grade"] == report.tables["grade"]


def test_an_encrypted_backup_needs_its_passphrase(demo_url, tmp_path):
    report = make_backup(demo_url, tmp_path / "backups", passphrase="длинная фраза школы 2026")
    assert b"SQLite format" not in report.path.read_bytes()[:4096]
    with pytest.raises(DomainError, match="зашифрована"):
        read_backup(report.path)
    with pytest.raises(DomainError, match="не подходит"):
        read_backup(report.path, "не та фраза")
    manifest, _ = read_backup(report.path, "длинная фраза школы 2026")
    assert manifest["tables"]["grade"]["rows"] == report.tables["grade"].rows


def test_a_damaged_backup_is_refused_and_changes_nothing(demo_url, empty_target, tmp_path):
    report = make_backup(demo_url, tmp_path / "backups")
    damaged = tmp_path / "damaged.backup"
    data = bytearray(report.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(DomainError):
        restore_backup(damaged, empty_target)
    engine = make_engine(empty_target)
    with engine.connect() as connection:
        assert all(t.rows == 0 for t in _safe_sums(connection).values())
    engine.dispose()


def _safe_sums(connection):
    try:
        return content_sums(connection)
    except Exception:  # no tables at all: nothing was written
        connection.rollback()
        return {}


def test_retention_keeps_the_newest_copy_of_each_day_and_week(tmp_path):
    days = [f"202611{d:02d}" for d in range(1, 31)]
    for day in days:
        for clock in ("010000", "020000"):
            (tmp_path / f"klassruk-{day}-{clock}.backup").write_bytes(b"x")
    removed = prune_backups(tmp_path, keep_daily=7, keep_weekly=4)
    kept = sorted(p.name for p in tmp_path.glob("*.backup"))
    assert [n for n in kept if n >= "klassruk-20261124"] == [
        f"klassruk-202611{d}-020000.backup" for d in range(24, 31)
    ]
    # Weeks: the newest copy of each of the last four weeks (Mondays 30.11, 23.11, 16.11, 9.11).
    assert "klassruk-20261122-020000.backup" in kept
    assert "klassruk-20261115-020000.backup" in kept
    assert len(kept) + len(removed) == 60
    assert len(kept) == 7 + 2


def test_the_cli_backs_up_and_restores(demo_url, empty_target, tmp_path, capsys):
    from klassruk.cli import main

    assert main(["--database-url", demo_url, "backup", "--output-dir", str(tmp_path / "b")]) == 0
    made = next((tmp_path / "b").glob("*.backup"))
    assert "Резервная копия" in capsys.readouterr().out
    assert main(["--database-url", empty_target, "restore", str(made)]) == 0
    assert "контрольные суммы всех таблиц совпали" in capsys.readouterr().out
    assert main(["--database-url", empty_target, "restore", str(made)]) == 2
    assert "не пуста" in capsys.readouterr().err
    engine = make_engine(empty_target)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Lesson)) > 0
    engine.dispose()
