"""The servers a benchmark starts and stops: Loket through the scale-out deployment
(`deploy.cluster.Cluster`: one gunicorn process, or several behind nginx), and the bare
python-socketio floor under the very same gunicorn settings (deploy/gunicorn.conf.py).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.cluster import GUNICORN_CONF, Cluster

from .common import REDIS_URL, ROOT, SERVER_ENV, free_port, log

#: Every open socket holds one gevent connection; 5,000 phones need more than the default.
WORKER_CONNECTIONS = 20000


@contextmanager
def private_redis(workdir: Path) -> Iterator[str]:
    """A redis-server of our own on a free port (no persistence), or BENCH_REDIS_URL: the
    benchmark's Socket.IO messages never meet another program's on the machine's Redis."""
    if REDIS_URL:
        yield REDIS_URL
        return
    port = free_port()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    with open(workdir / "redis.log", "ab") as out:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {binary}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def loket(
    database_url: str,
    workdir: Path,
    *,
    processes: int = 1,
    nginx_in_front: bool = False,
    env: Mapping[str, str] | None = None,
) -> Iterator[Cluster]:
    """A migrated Loket with the demo hall, stopped on exit: `.url`, `.pids` (gunicorn masters).
    Several processes share a private Redis as their Socket.IO message queue."""
    log(f"starting Loket: {processes} process(es){' behind nginx' if nginx_in_front else ''}")
    with ExitStack() as stack:
        redis_url = stack.enter_context(private_redis(workdir)) if processes > 1 else None
        cluster = stack.enter_context(
            Cluster(
                processes=processes,
                database_url=database_url,
                redis_url=redis_url,
                workdir=workdir,
                nginx=nginx_in_front,
                env={**SERVER_ENV, **(env or {})},
                seed_demo=True,
                worker_connections=WORKER_CONNECTIONS,
            )
        )
        yield cluster


@dataclass
class Floor:
    """The bare server: its URL and its gunicorn master."""

    url: str
    process: subprocess.Popen[bytes]

    @property
    def pids(self) -> list[int]:
        return [self.process.pid] if self.process.poll() is None else []


@contextmanager
def bare_floor(workdir: Path) -> Iterator[Floor]:
    """bench/floor_app.py under gunicorn with Loket's settings (one gevent worker)."""
    with _floor_server(workdir, "bench.floor_app:app", {}) as floor:
        yield floor


@contextmanager
def issue_floor(workdir: Path, database_url: str) -> Iterator[Floor]:
    """bench/issue_floor_app.py (a minimal Flask + SQLAlchemy issue) under gunicorn with
    Loket's settings, on `database_url`."""
    with _floor_server(
        workdir, "bench.issue_floor_app:app", {"DATABASE_URL": database_url}
    ) as floor:
        yield floor


@contextmanager
def availability_floor(workdir: Path, database_url: str) -> Iterator[Floor]:
    """bench/availability_floor_app.py (one statement and JSON per availability read) under
    gunicorn with Loket's settings, on `database_url`."""
    with _floor_server(
        workdir, "bench.availability_floor_app:app", {"DATABASE_URL": database_url}
    ) as floor:
        yield floor


@contextmanager
def _floor_server(workdir: Path, app: str, extra: dict[str, str]) -> Iterator[Floor]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WORKER_CONNECTIONS": str(WORKER_CONNECTIONS),
        "LOG_LEVEL": "warning",
        **extra,
    }
    with open(workdir / "floor.log", "ab") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF)),
                *("--bind", f"127.0.0.1:{port}", app),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log_text = (workdir / "floor.log").read_text()
                raise RuntimeError(f"the floor server exited:\n{log_text}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError("the floor server did not answer within 60 s") from None
                time.sleep(0.2)
        yield Floor(url, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
