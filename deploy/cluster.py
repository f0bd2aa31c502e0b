"""Run N Klassruk processes behind Debian's nginx on one database (benchmarks, CI, a trial).

    .venv/bin/python -m deploy.cluster --processes 2 --port 8650 \\
        --database-url postgresql+psycopg://klassruk@db/klassruk

Every process gets the same cookie key, so a login cookie written through one is accepted by
the others; nginx keeps each browser on one process (see deploy/nginx/klassruk.conf.template).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEPLOY_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = DEPLOY_DIR.parent
NGINX = os.environ.get("KLASSRUK_NGINX", "/usr/sbin/nginx")
HEALTH_TIMEOUT_S = 90.0
# Ports handed out below the kernel's range for outgoing connections (ip_local_port_range).
FIRST_SERVER_PORT = 10000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


@dataclass(frozen=True)
class Server:
    """One started process and the address it answers on."""

    url: str
    process: subprocess.Popen[bytes]


@dataclass(frozen=True)
class Certificate:
    """A certificate chain and its key (PEM files): nginx then serves HTTPS, as a school does."""

    chain: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client that trusts this certificate (a private one, for a trial)."""
        return ssl.create_default_context(cafile=self.chain)


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], path: str = "/_stcore/health",
    context: ssl.SSLContext | None = None,
) -> None:
    """Poll `url + path` until it answers 200; fail if the process dies first."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + path, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {HEALTH_TIMEOUT_S:.0f} s")


def _bindable(port: int) -> bool:
    """Whether a server could bind 127.0.0.1:port now (SO_REUSEADDR, as servers set it)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int = 1) -> list[int]:
    """`count` consecutive ports free now that no outgoing connection can take before we bind."""
    # A port from bind(0) is ephemeral: any client connection (the database's, say) may get it
    # as its local port before the server binds it, and the server then fails to start.
    first_ephemeral = int(EPHEMERAL_RANGE.read_text().split()[0])
    for _ in range(1000):
        first = random.randrange(FIRST_SERVER_PORT, first_ephemeral - count)
        ports = list(range(first, first + count))
        if all(_bindable(port) for port in ports):
            return ports
    raise RuntimeError(f"no {count} consecutive free ports below {first_ephemeral}")


def ensure_free(port: int) -> None:
    """Refuse a port that is taken: its health check would answer for another server."""
    if not _bindable(port):
        raise RuntimeError(f"port {port} is already in use")


def stop_process(
    process: subprocess.Popen[Any], *, sig: int = signal.SIGTERM, timeout: float = 15
) -> None:
    """Ask a process to end with `sig`; kill it if it has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def streamlit_server(
    script: str, port: int, env: dict[str, str], log_path: Path
) -> Iterator[Server]:
    """`python -m klassruk serve --script script` on 127.0.0.1:port, stopped on exit."""
    ensure_free(port)
    # As the systemd units start it: uvicorn's proxy trust set from KLASSRUK_TRUSTED_PROXIES.
    command = [
        sys.executable, "-m", "klassruk", "serve", "--script", script,
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log, stderr=log
        )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        try:
            wait_healthy(server.url, process)
        except RuntimeError as error:
            log_tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{error}; its log ends:\n{log_tail}") from error
        yield server
    finally:
        stop_process(process)


def render_nginx_site(
    listen: int, upstream_ports: list[int], tls: Certificate | None = None
) -> str:
    """The site config for these ports, from the template shipped in deploy/nginx."""
    upstreams = "\n    ".join(
        f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in upstream_ports
    )
    values = {
        "KLASSRUK_LISTEN": f"127.0.0.1:{listen}" + (" ssl" if tls else ""),
        "KLASSRUK_UPSTREAMS": upstreams,
        "KLASSRUK_DEPLOY_DIR": str(DEPLOY_DIR),
    }
    # Like `envsubst` with a list of names: nginx's own $variables stay as they are.
    site = (DEPLOY_DIR / "nginx" / "klassruk.conf.template").read_text()
    for name, value in values.items():
        site = site.replace("${" + name + "}", value)
    if tls is not None:
        certificate = f"    ssl_certificate {tls.chain};\n    ssl_certificate_key {tls.key};\n"
        site = site.replace("    server_tokens off;\n", "    server_tokens off;\n" + certificate, 1)
    return site


@contextmanager
def nginx_server(
    listen: int, upstream_ports: list[int], work_dir: Path, tls: Certificate | None = None
) -> Iterator[Server]:
    """A private nginx (own prefix, pid and temp folders) proxying to the given ports."""
    ensure_free(listen)
    (work_dir / "klassruk.conf").write_text(render_nginx_site(listen, upstream_ports, tls))
    user = "user root;\n" if os.geteuid() == 0 else ""
    (work_dir / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {work_dir}/nginx.pid;\n"
        f"error_log {work_dir}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n  access_log off;\n"
        f"  client_body_temp_path {work_dir}/body;\n  proxy_temp_path {work_dir}/proxy;\n"
        f"  fastcgi_temp_path {work_dir}/fastcgi;\n  uwsgi_temp_path {work_dir}/uwsgi;\n"
        f"  scgi_temp_path {work_dir}/scgi;\n"
        f"  include {work_dir}/klassruk.conf;\n}}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(work_dir), "-c", str(work_dir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(work_dir / "nginx.log").open("wb"),
    )
    server = Server(f"{'https' if tls else 'http'}://127.0.0.1:{listen}", process)
    try:
        wait_healthy(server.url, process, path="/nginx-health",
                     context=tls.client_context() if tls else None)
        yield server
    finally:
        stop_process(process)


@dataclass(frozen=True)
class Cluster:
    """App processes and, in front of them, nginx (when more than one process runs)."""

    url: str
    apps: list[Server]
    proxy: Server | None


@contextmanager
def run_cluster(
    *,
    processes: int,
    database_url: str,
    port: int,
    app_port: int,
    env: dict[str, str] | None = None,
    proxy: bool | None = None,
    script: str = "app.py",
    tls: Certificate | None = None,
) -> Iterator[Cluster]:
    """Start `processes` app servers on app_port.. and nginx on `port`; stop all on exit.

    `proxy=None` puts nginx in front only when there is more than one process. `script`
    "serve.py" runs what the systemd units run (security headers, /healthz, /metrics); with
    `tls` nginx serves HTTPS.
    """
    work_dir = Path(tempfile.mkdtemp(prefix="klassruk-cluster-"))
    shared = {
        "DATABASE_URL": database_url,
        "KLASSRUK_DATA_DIR": str(work_dir / "data"),
        "KLASSRUK_COOKIE_KEY": secrets.token_urlsafe(48),
        **(env or {}),
    }
    behind_proxy = bool(proxy or (proxy is None and processes > 1))
    # Only behind our nginx may client addresses come from X-Forwarded-For (throttling).
    shared["KLASSRUK_TRUSTED_PROXIES"] = "127.0.0.1" if behind_proxy else ""
    ports = [app_port + n for n in range(processes)]
    with ExitStack() as stack:
        apps = [
            stack.enter_context(
                streamlit_server(script, p, shared, work_dir / f"app-{p}.log")
            )
            for p in ports
        ]
        front = None
        if behind_proxy:
            front = stack.enter_context(nginx_server(port, ports, work_dir, tls))
        yield Cluster(front.url if front else apps[0].url, apps, front)


def main() -> None:
    """Run until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8650, help="nginx")
    parser.add_argument("--app-port", type=int, default=8651, help="first app process")
    parser.add_argument("--script", choices=("app.py", "serve.py"), default="app.py",
                        help="serve.py: as the systemd units run it, with /healthz")
    args = parser.parse_args()
    with run_cluster(
        processes=args.processes,
        database_url=args.database_url,
        port=args.port,
        app_port=args.app_port,
        script=args.script,
    ) as cluster:
        print(f"Klassruk: {cluster.url} ({len(cluster.apps)} processes)", flush=True)
        with suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
