"""What every benchmark shares: paths, databases, percentiles, memory, the machine, results."""

from __future__ import annotations

import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

#: PostgreSQL for the benchmarks: every run gets a fresh schema in this database.
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: Redis for the Socket.IO message queue of several processes; unset: a private redis-server.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")

#: Settings every benchmark server gets: no rate limits (the load is ours), a shared key.
SERVER_ENV = {"RATELIMIT_ENABLED": "false", "SECRET_KEY": "bench-secret-key"}


def raise_open_files() -> int:
    """Raise this process's open-file limit to its hard limit (thousands of sockets); children
    inherit it. Returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def source_address(index: int) -> str:
    """A loopback source address for client `index`. nginx's `ip_hash` keys on the first three
    octets, so the third one varies: clients spread over the backends as real phones would."""
    return f"127.0.{1 + index % 250}.1"


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..1)."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(values: Iterable[float], digits: int = 1) -> dict[str, Any]:
    """n, mean, p50, p90, p99 and max of a list of measurements."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}
    return {
        "n": len(ordered),
        "mean": round(sum(ordered) / len(ordered), digits),
        "p50": round(percentile(ordered, 0.50), digits),
        "p90": round(percentile(ordered, 0.90), digits),
        "p99": round(percentile(ordered, 0.99), digits),
        "max": round(ordered[-1], digits),
    }


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary directory for one run (databases, logs, nginx config)."""
    keep = os.environ.get("BENCH_KEEP_WORKDIR")
    if keep:
        path = Path(tempfile.mkdtemp(prefix=f"loket-bench-{prefix}-"))
        print(f"[bench] keeping work files in {path}", file=sys.stderr)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=f"loket-bench-{prefix}-") as tmp:
        yield Path(tmp)


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A database URL whose connections use a new, empty schema (dropped afterwards)."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'loket.db'}"


def rss_bytes(pids: Iterable[int]) -> int:
    """Resident memory of these processes and their children (a gunicorn arbiter's worker)."""
    import psutil

    seen: set[int] = set()
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for proc in family:
            if proc.pid in seen:
                continue
            seen.add(proc.pid)
            with suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
    return total


def cpu_seconds(pids: Iterable[int]) -> float:
    """CPU time (user + system) used so far by these processes and their children: what a
    request costs the server, whatever else the machine is doing."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy the machine was when the run began."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in ("gunicorn", "gevent", "flask-socketio", "python-socketio", "python-engineio"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:
            versions[name] = "?"
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres_url": POSTGRES_URL.split("@")[-1],
        "nginx": (nginx.stderr or nginx.stdout).strip().replace("nginx version: ", ""),
        "packages": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_result(name: str, data: dict[str, Any], directory: Path = RESULTS) -> Path:
    """Write one result as JSON under bench/results/ and return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def log(message: str) -> None:
    """Progress on stderr (results go to stdout and to bench/results/)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
