"""Start the real server (gunicorn, gevent worker) on a free port, for live tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask_command(env: dict[str, str], *args: str) -> str:
    """Run `flask --app queue_app ARGS` as an operator would, and return its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "queue_app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@contextmanager
def gunicorn_server(
    database_url: str, extra_env: dict[str, str] | None = None, log_path: Path | None = None
) -> Iterator[str]:
    """A migrated, seeded Loket served by gunicorn's gevent worker; yields its base URL.
    `log_path`: where gunicorn's log goes (else it is discarded)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret",
        "PYTHONPATH": str(ROOT),
        # Live tests issue many tickets from 127.0.0.1; tests/security turn the limits on.
        "RATELIMIT_ENABLED": "false",
        **(extra_env or {}),
    }
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed-demo")
    port = free_port()
    log = open(log_path or os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gevent",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe nobody reads: a full pipe would stop gunicorn mid-log.
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                written = log_path.read_text(encoding="utf-8") if log_path else ""
                raise RuntimeError(f"gunicorn exited:\n{written}")
            try:
                if requests.get(f"{base}/api/v1/services", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or busy starting
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 30 s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
