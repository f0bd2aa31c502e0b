"""The deployment's own commands, run as the systemd units run them, on this checkout.

migrate (klassruk-migrate.service), two app processes behind nginx (`python -m deploy.cluster
--processes 2 --script serve.py`, the script klassruk@.service runs), /healthz on each process
and through nginx, a backup and the retention command while they run (klassruk-backup.service,
klassruk-retention.service), and a restore of the copy into a fresh database. On a SQLite
file, and on TEST_DATABASE_URL when it is set.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import ssl
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

from deploy.cluster import Certificate, free_ports, run_cluster, stop_process
from klassruk.demo import seed_demo_school
from klassruk.demo.catalogue import SMALL
from klassruk.infra.db import make_engine, make_session_factory, unit_of_work
from klassruk.infra.http_headers import COMPONENT_PATH, HSTS, headers_for
from klassruk.infra.schema import SchemaState, schema_state
from klassruk.infra.settings import PROJECT_ROOT
from klassruk.operations.backup import content_sums
from tests.conftest import SYSTEM, TEST_DATABASE_URL, fresh_database, reset_postgres_schema

UNITS = PROJECT_ROOT / "deploy" / "systemd"
VENV = Path(sys.prefix)
START_TIMEOUT_S = 120

pytestmark = pytest.mark.skipif(
    not Path("/usr/sbin/nginx").exists(), reason="needs Debian's nginx"
)


def unit_command(unit: str, *, env_file: Path, data_dir: Path, instance: int = 1) -> list[str]:
    """The unit's ExecStart with its placeholders filled as deploy/install.sh fills them."""
    source = (UNITS / unit).read_text(encoding="utf-8")
    line = next(line for line in source.splitlines() if line.startswith("ExecStart="))
    for placeholder, value in {
        "@VENV@": str(VENV), "@APP_DIR@": str(PROJECT_ROOT), "@ENV_FILE@": str(env_file),
        "@DATA_DIR@": str(data_dir), "%i": str(instance),
    }.items():
        line = line.replace(placeholder, value)
    return shlex.split(line.removeprefix("ExecStart="))


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def drill_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """What /etc/klassruk/klassruk.env holds, for an empty database."""
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        database_url = TEST_DATABASE_URL
    else:
        database_url = f"sqlite:///{tmp_path / 'klassruk.sqlite3'}"
    data_dir = tmp_path / "data"
    yield {
        **os.environ,
        "DATABASE_URL": database_url,
        "KLASSRUK_DATA_DIR": str(data_dir),
        "KLASSRUK_BACKUP_DIR": str(data_dir / "backups"),
        "KLASSRUK_COOKIE_KEY": "drill-" + "k" * 40,
        "KLASSRUK_PASSWORD_HASH_COST": "test",
    }


def _run(command: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout


def _start_cluster(env: dict[str, str], port: int, app_port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "deploy.cluster", "--processes", "2", "--script", "serve.py",
         "--database-url", env["DATABASE_URL"], "--port", str(port), "--app-port",
         str(app_port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("Klassruk: "):
            return process
        printed.append(line)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError("the cluster did not start:\n" + "".join(printed) + process.stdout.read())


def test_the_units_commands_migrate_serve_back_up_and_restore(drill_env, tmp_path):
    env = drill_env
    env_file, data_dir = tmp_path / "klassruk.env", Path(env["KLASSRUK_DATA_DIR"])
    # The app unit runs serve.py, which the cluster below runs too.
    app_unit = " ".join(unit_command("klassruk@.service", env_file=env_file, data_dir=data_dir))
    assert re.search(r"-m klassruk serve .*--server\.address 127\.0\.0\.1", app_unit)

    migrate = _run(unit_command("klassruk-migrate.service", env_file=env_file,
                                data_dir=data_dir), env)
    assert "обновлена" in migrate
    database_url = env["DATABASE_URL"]
    assert schema_state(database_url) is SchemaState.CURRENT
    engine = make_engine(database_url)
    with unit_of_work(make_session_factory(engine), SYSTEM) as session:
        seed_demo_school(session, size=SMALL)
    with engine.connect() as connection:
        seeded = content_sums(connection)
    engine.dispose()

    port, app_port, _ = free_ports(3)
    cluster = _start_cluster(env, port, app_port)
    try:
        for url in (f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{app_port + 1}",
                    f"http://127.0.0.1:{port}"):
            status, body = _get(url + "/healthz")
            assert status == 200, (url, body)
            assert json.loads(body) == {"database": "ok", "schema": "current"}
        status, _ = _get(f"http://127.0.0.1:{port}/nginx-health")
        assert status == 200
        # The nightly backup runs while the app serves.
        backup = _run(unit_command("klassruk-backup.service", env_file=env_file,
                                   data_dir=data_dir), env)
        retention = _run(unit_command("klassruk-retention.service", env_file=env_file,
                                      data_dir=data_dir), env)
    finally:
        stop_process(cluster, sig=signal.SIGINT, timeout=60)
    assert "Резервная копия" in backup
    assert "Сроки хранения" in retention and "удалено" in retention
    (copy,) = (data_dir / "backups").glob("klassruk-*.backup")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600

    fresh = fresh_database(database_url, tmp_path, "drill")
    restored = _run(
        [str(VENV / "bin" / "python"), "-m", "klassruk", "--database-url", fresh, "restore",
         str(copy)],
        env,
    )
    assert "совпали" in restored
    assert schema_state(fresh) is SchemaState.CURRENT
    engine = make_engine(fresh)
    with engine.connect() as connection:
        assert content_sums(connection) == seeded
    engine.dispose()


def _headers(url: str, context: ssl.SSLContext | None = None) -> Message:
    try:
        with urllib.request.urlopen(url, timeout=10, context=context) as response:
            return response.headers
    except urllib.error.HTTPError as error:  # a 404 carries the headers too
        return error.headers


def _self_signed(folder: Path) -> Certificate:
    certificate = Certificate(folder / "chain.pem", folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(certificate.key), "-out", str(certificate.chain)],
        check=True, capture_output=True,
    )
    return certificate


@pytest.mark.parametrize("https", [False, True])
def test_nginx_alone_decides_hsts_and_sends_each_header_once(tmp_path, https):
    # serve.py behind it sends HSTS by the school's address (https here), nginx by the scheme.
    tls = _self_signed(tmp_path) if https else None
    port, app_port = free_ports(2)
    with run_cluster(
        processes=1, proxy=True, script="serve.py", port=port, app_port=app_port,
        database_url=f"sqlite:///{tmp_path / 'klassruk.sqlite3'}",
        env={"KLASSRUK_APP_URL": "https://journal.school.example"}, tls=tls,
    ) as cluster:
        assert _headers(cluster.apps[0].url).get(HSTS[0]) == HSTS[1]
        for path in ("/", f"{COMPONENT_PATH}klassruk_cookie/index.html"):
            headers = _headers(cluster.url + path, tls.client_context() if tls else None)
            assert headers.get_all(HSTS[0]) == ([HSTS[1]] if https else None), path
            for name, value in headers_for(https=False, path=path).items():
                assert headers.get_all(name) == [value], (path, name)
