"""Files on disk: the data folder is 0700, the SQLite file and its WAL and SHM are 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from klassruk.infra.db import make_engine
from klassruk.infra.settings import load_or_create_cookie_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    previous = os.umask(0o022)  # what a server's shell usually has: files 0644, folders 0755
    yield
    os.umask(previous)


def test_data_folder_and_key_are_private(tmp_path: Path):
    data = tmp_path / "data"
    load_or_create_cookie_key(data)
    assert _mode(data) == 0o700
    assert _mode(data / "cookie_key") == 0o600


def test_sqlite_file_wal_and_shm_are_private(tmp_path: Path):
    database = tmp_path / "fresh" / "klassruk.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        wal, shm = Path(f"{database}-wal"), Path(f"{database}-shm")
        assert wal.exists() and shm.exists()
        assert {_mode(p) for p in (database, wal, shm)} == {0o600}
    assert _mode(database.parent) == 0o700
    engine.dispose()


def test_files_of_an_older_version_are_tightened(tmp_path: Path):
    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600
