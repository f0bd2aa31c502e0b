"""Consistent backups of the whole database with a manifest, and their verified restore.

SQLite is copied with its online backup API, PostgreSQL with `pg_dump` in custom format; both
while the app runs and writes. The manifest holds the schema revision and, per table, the row
count and a checksum of the content read in the same snapshot as the copy, so a restore is
checked against exactly what the backup holds.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.engine import make_url

from klassruk.clock import utcnow
from klassruk.errors import DomainError
from klassruk.infra.db import make_engine
from klassruk.models import Base

MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
FORMAT_VERSION = 1
NAME_PATTERN = re.compile(r"^klassruk-(\d{8}-\d{6})\.backup$")
_MAGIC = b"KLASSRUK-ENCRYPTED-1\n"
_SALT_BYTES = 16


@dataclass(frozen=True)
class TableSum:
    """A table's row count and the checksum of its content in primary-key order."""

    rows: int
    sha256: str


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote."""

    path: Path
    size: int
    revision: str
    tables: dict[str, TableSum]
    removed: list[Path]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore put into the database, verified against the manifest."""

    revision: str
    tables: dict[str, TableSum]
    created_at: str


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, Decimal):
        return str(value)
    return value


def content_sums(connection: Connection) -> dict[str, TableSum]:
    """Row count and canonical checksum of every table, read in the connection's snapshot."""
    sums: dict[str, TableSum] = {}
    for table in Base.metadata.sorted_tables:
        digest = hashlib.sha256()
        count = 0
        order = list(table.primary_key.columns) or list(table.columns)
        for row in connection.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_canonical(v) for v in row], default=str).encode())
            digest.update(b"\n")
            count += 1
        sums[table.name] = TableSum(count, digest.hexdigest())
    return sums


def _revision(connection: Connection) -> str:
    heads = MigrationContext.configure(connection).get_current_heads()
    if not heads:
        raise DomainError("База данных пуста или не размечена миграциями: копировать нечего.")
    return ",".join(sorted(heads))


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise DomainError("Резервная копия делается только с файла SQLite или с PostgreSQL.")
    return Path(database)


def _copy_sqlite(database_url: str, work: Path) -> tuple[str, dict[str, TableSum]]:
    copy = work / SQLITE_MEMBER
    source = sqlite3.connect(_sqlite_path(database_url))
    target = sqlite3.connect(copy)
    try:
        # One step (pages=-1): the whole file under one read snapshot, writers keep writing.
        source.backup(target)
    finally:
        target.close()
        source.close()
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with engine.connect() as connection:
            return _revision(connection), content_sums(connection)
    finally:
        engine.dispose()


def _dump_postgres(database_url: str, work: Path) -> tuple[str, dict[str, TableSum]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # pg_dump reads the snapshot this transaction exported: the same content.
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                revision, sums = _revision(connection), content_sums(connection)
                _run(
                    "pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                    f"--file={work / POSTGRES_MEMBER}", f"--dbname={_libpq_url(database_url)}",
                )
    finally:
        engine.dispose()
    return revision, sums


def _run(*command: str) -> None:
    if shutil.which(command[0]) is None:
        raise DomainError(f"Не найдена программа {command[0]}: установите клиент PostgreSQL.")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DomainError(f"{command[0]} завершился с ошибкой: {result.stderr.strip()[:500]}")


def _key(passphrase: str, salt: bytes) -> bytes:
    raw = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return base64.urlsafe_b64encode(raw)


def _seal(payload: bytes, passphrase: str | None) -> bytes:
    if not passphrase:
        return payload
    salt = os.urandom(_SALT_BYTES)
    return _MAGIC + salt + Fernet(_key(passphrase, salt)).encrypt(payload)


def _unseal(data: bytes, passphrase: str | None) -> bytes:
    if not data.startswith(_MAGIC):
        return data
    if not passphrase:
        raise DomainError("Копия зашифрована: задайте пароль копий (KLASSRUK_BACKUP_PASSPHRASE).")
    salt = data[len(_MAGIC) : len(_MAGIC) + _SALT_BYTES]
    try:
        return Fernet(_key(passphrase, salt)).decrypt(data[len(_MAGIC) + _SALT_BYTES :])
    except InvalidToken as error:
        raise DomainError("Пароль копии не подходит, или файл копии повреждён.") from error


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)  # a half-written copy never carries the final name


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_backup(
    database_url: str,
    directory: Path,
    *,
    passphrase: str | None = None,
    keep_daily: int = 7,
    keep_weekly: int = 4,
) -> BackupReport:
    """Copy the database consistently into `directory` (0600), then apply the retention."""
    now = utcnow()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if make_url(database_url).get_backend_name() == "sqlite":
            member = SQLITE_MEMBER
            revision, sums = _copy_sqlite(database_url, work)
        else:
            member = POSTGRES_MEMBER
            revision, sums = _dump_postgres(database_url, work)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "dialect": make_url(database_url).get_backend_name(),
            "revision": revision,
            "member": member,
            "member_sha256": _file_sha256(work / member),
            "tables": {name: vars(table) for name, table in sums.items()},
        }
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(work / member, arcname=member)
            encoded = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(encoded)
            archive.addfile(info, io.BytesIO(encoded))
    path = directory / f"klassruk-{now:%Y%m%d-%H%M%S}.backup"
    _write_private(path, _seal(buffer.getvalue(), passphrase))
    removed = prune_backups(directory, keep_daily=keep_daily, keep_weekly=keep_weekly)
    return BackupReport(path, path.stat().st_size, revision, sums, removed)


def _taken_at(path: Path) -> datetime | None:
    match = NAME_PATTERN.match(path.name)
    return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S") if match else None  # noqa: DTZ007


def prune_backups(directory: Path, *, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Keep the newest copy of each of the last `keep_daily` days and `keep_weekly` weeks."""
    dated = sorted(
        ((taken, path) for path in directory.glob("klassruk-*.backup")
         if (taken := _taken_at(path)) is not None),
        reverse=True,
    )
    keep: set[Path] = set()
    for bucket, limit in ((lambda t: t.date(), keep_daily), (_week_of, keep_weekly)):
        seen: list[Any] = []
        for taken, path in dated:
            key = bucket(taken)
            if key not in seen and len(seen) < limit:
                seen.append(key)
                keep.add(path)
    removed = [path for _, path in dated if path not in keep]
    for path in removed:
        path.unlink()
    return removed


def _week_of(taken: datetime) -> date:
    return taken.date() - timedelta(days=taken.weekday())


def read_backup(path: Path, passphrase: str | None = None) -> tuple[dict[str, Any], bytes]:
    """The manifest and the database member of a backup file, checked against each other."""
    try:
        payload = _unseal(path.read_bytes(), passphrase)
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
            manifest = json.loads(_member(archive, MANIFEST))
            data = _member(archive, manifest["member"])
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise DomainError(f"Файл {path.name} не является резервной копией Klassruk.") from error
    if hashlib.sha256(data).hexdigest() != manifest["member_sha256"]:
        raise DomainError(f"Копия {path.name} повреждена: контрольная сумма не совпадает.")
    return manifest, data


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    handle = archive.extractfile(name)
    if handle is None:
        raise KeyError(name)
    return handle.read()


def _has_data(database_url: str) -> bool:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            return any(
                connection.execute(select(table).limit(1)).first() is not None
                for table in Base.metadata.sorted_tables
                if table.name in names
            )
    finally:
        engine.dispose()


def restore_backup(
    path: Path, database_url: str, *, passphrase: str | None = None, force: bool = False
) -> RestoreReport:
    """Restore a backup into an empty database (or over any with `force`) and verify it."""
    manifest, data = read_backup(path, passphrase)
    dialect = make_url(database_url).get_backend_name()
    if dialect != manifest["dialect"]:
        raise DomainError(
            f"Копия сделана с {manifest['dialect']}, а восстановить её просят в {dialect}."
        )
    if not force and _has_data(database_url):
        raise DomainError(
            "База назначения не пуста: восстановление её перезапишет. "
            "Укажите --force, если это и нужно."
        )
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / manifest["member"]
        dump.write_bytes(data)
        if dialect == "sqlite":
            _restore_sqlite(dump, _sqlite_path(database_url))
        else:
            _restore_postgres(dump, database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            revision, sums = _revision(connection), content_sums(connection)
    finally:
        engine.dispose()
    expected = {name: TableSum(**table) for name, table in manifest["tables"].items()}
    if revision != manifest["revision"] or sums != expected:
        wrong = sorted(name for name in expected if sums.get(name) != expected[name])
        raise DomainError(f"Восстановленные данные не совпали с копией: {', '.join(wrong)}.")
    return RestoreReport(revision, sums, manifest["created_at"])


def _restore_sqlite(dump: Path, target: Path) -> None:
    for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
        leftover.unlink(missing_ok=True)
    _write_private(target, dump.read_bytes())


def _restore_postgres(dump: Path, database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run(
        "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
        f"--dbname={_libpq_url(database_url)}", str(dump),
    )


def newest_backup(directory: Path) -> tuple[datetime, int] | None:
    """When the newest backup in `directory` was taken (UTC) and its size in bytes."""
    dated = [
        (taken, path) for path in directory.glob("klassruk-*.backup")
        if (taken := _taken_at(path)) is not None
    ]
    if not dated:
        return None
    taken, path = max(dated)
    return taken.replace(tzinfo=utcnow().tzinfo), path.stat().st_size


def describe_tables(tables: dict[str, TableSum]) -> Iterable[str]:
    """One line per non-empty table: «grade: 12 345»."""
    for name, table in sorted(tables.items()):
        if table.rows:
            yield f"{name}: {table.rows}"
