"""Profiles of a running server, taken while a benchmark loads it: py-spy samples the gunicorn
worker from outside (no change to the server, meaningful even on a busy machine: it counts where
the worker's CPU goes, not how long things took), and a summary of where the time went.

    with py_spy(worker_pids(server.pids), "fanout-5000") as out: ...   # during the rounds
    summarize(out)   # {"samples", "self", "inclusive", "ours"}: where the CPU went
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import RESULTS, log

PROFILES = RESULTS / "profiles"


def worker_pids(pids: Iterable[int | None]) -> list[int]:
    """The gunicorn workers (children of these masters), where the requests run."""
    import psutil

    workers: list[int] = []
    for pid in pids:
        if pid is None:
            continue
        try:
            children = psutil.Process(pid).children()
        except psutil.NoSuchProcess:
            continue
        if children:
            workers.extend(c.pid for c in children)
        else:
            workers.append(pid)
    return workers


def py_spy_binary() -> str | None:
    here = Path(sys.executable).parent / "py-spy"
    return str(here) if here.exists() else shutil.which("py-spy")


@contextmanager
def py_spy(pids: list[int], name: str, *, rate: int = 250) -> Iterator[list[Path]]:
    """Sample each pid while the block runs; yields the files it writes (collapsed stacks, one
    per line: `inferno-flamegraph` or `flamegraph.pl` draw them; `summarize` reads them)."""
    binary = py_spy_binary()
    if binary is None:
        log("py-spy is not installed (pip install -r requirements-bench.txt); no profile")
        yield []
        return
    PROFILES.mkdir(parents=True, exist_ok=True)
    outputs: list[Path] = []
    processes = []
    for pid in pids:
        out = PROFILES / f"{name}-{pid}.txt"
        outputs.append(out)
        processes.append(
            subprocess.Popen(
                [
                    binary,
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    str(rate),
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
    time.sleep(0.5)  # py-spy attaches
    try:
        yield outputs
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                _, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            if process.returncode not in (0, -signal.SIGINT) and err:
                log(f"py-spy: {err.decode(errors='replace').strip()[-300:]}")


def _frames(line: str) -> tuple[list[str], int]:
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def _short(frame: str) -> str:
    """`function (path/to/module.py:line)` → `function (module path from the package)`."""
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("/site-packages/", "/work/main/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


def summarize(paths: Iterable[Path], top: int = 30) -> dict[str, Any]:
    """Where the samples went: by function, self time and inclusive time (percent)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            frames, count = _frames(line)
            total += count
            names = [_short(f) for f in frames]
            own[names[-1]] += count
            for name in set(names):
                inclusive[name] += count
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    ours = Counter({name: n for name, n in inclusive.items() if "(queue_app/" in name})
    return {
        "samples": total,
        "self": share(own),
        "inclusive": share(inclusive),
        "ours": share(ours),
    }
