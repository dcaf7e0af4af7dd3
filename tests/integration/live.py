"""Start the real server (gunicorn, gevent worker) on a free port, for live tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
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


def _source_digest() -> str:
    """A digest of the application's code (models, migrations, the demo seed and all it calls):
    a seeded database made by another version is never reused."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "queue_app").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def seeded_copy(target: Path, env: dict[str, str], mall: bool) -> None:
    """Put a migrated, seeded demo database at `target` (which must not exist): a copy of one
    made by the operator's commands (`flask db upgrade`, `flask seed-demo`) once per code
    version, seed and time zone, and kept in the temporary directory. Seeding takes seconds (a
    Python start per command, the hashes of the demo's passwords); each live test's server
    copied in a few milliseconds instead."""
    zone = env.get("SITE_TIMEZONE", "")
    key = hashlib.sha256(f"{_source_digest()}|{mall}|{zone}".encode()).hexdigest()[:16]
    template = Path(tempfile.gettempdir()) / f"loket-seeded-{key}.db"
    if not template.exists():
        making = template.with_name(f"{template.stem}.{os.getpid()}.making")
        making.unlink(missing_ok=True)
        seed_env = {**env, "DATABASE_URL": f"sqlite:///{making}"}
        flask_command(seed_env, "db", "upgrade")
        flask_command(seed_env, "seed-demo", *(() if mall else ("--one-hall",)))
        # The app writes in WAL mode: fold the log into the file, so one file is the database.
        with closing(sqlite3.connect(making)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        os.replace(making, template)  # atomic: parallel test processes never see half a file
    shutil.copyfile(template, target)


def sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite URL (`sqlite:///path`), None for any other database."""
    prefix = "sqlite:///"
    return Path(database_url[len(prefix) :]) if database_url.startswith(prefix) else None


def seed(database_url: str, env: dict[str, str], mall: bool = False) -> None:
    """A migrated demo database (the mall, or one hall) at `database_url`: for a new SQLite
    file, a copy of the one seeded for this code version (`seeded_copy`); else the operator's
    commands themselves (PostgreSQL, or a database a test prepared: both find it done)."""
    fresh = sqlite_file(database_url)
    if fresh is not None and not fresh.exists():
        seeded_copy(fresh, env, mall)
        return
    env = {**env, "DATABASE_URL": database_url}
    flask_command(env, "db", "upgrade")
    flask_command(env, "seed-demo", *(() if mall else ("--one-hall",)))


#: The gunicorn master of each running `gunicorn_server`, by base URL.
RUNNING: dict[str, subprocess.Popen[str]] = {}


def kill_9(base: str) -> None:
    """Kill the server at `base`, master and workers, with SIGKILL: a crash, nothing cleaned
    up (a power cut or the OOM killer)."""
    process = RUNNING[base]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@contextmanager
def gunicorn_server(
    database_url: str,
    extra_env: dict[str, str] | None = None,
    log_path: Path | None = None,
    mall: bool = False,
    prepared: bool = False,
    killed_after: bool = False,
) -> Iterator[str]:
    """A migrated, seeded Loket served by gunicorn's gevent worker; yields its base URL.
    `log_path`: where gunicorn's log goes (else it is discarded). The demo is seeded as one
    hall (one zone, one agency: the kiosk opens on the services), or with `mall` as the demo
    mall `make run` serves (agencies first, three floors)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret",
        "PYTHONPATH": str(ROOT),
        # Live tests issue many tickets from 127.0.0.1; tests/security turn the limits on.
        "RATELIMIT_ENABLED": "false",
        **(extra_env or {}),
    }
    if not prepared:
        seed(database_url, env, mall)
    port = free_port()
    log = open(log_path or os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            # The deployment's settings (one gevent worker, its keep-alive of 75 s), on a port
            # of the test's own. Under gunicorn's default of 2 s a crowd client on a loaded
            # machine once lost a request, most likely sent on a connection the server was
            # closing.
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe nobody reads: a full pipe would stop gunicorn mid-log.
        stdout=log,
        # Its own process group (the master's pid), so `kill_9` takes its workers too.
        start_new_session=True,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    RUNNING[base] = process
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
        RUNNING.pop(base, None)
        if killed_after and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        # SIGINT is gunicorn's quick shutdown (SIGTERM waits for open sockets to finish).
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
