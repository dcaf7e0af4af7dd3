"""What the cluster depends on, under the tests' control: a private Redis the tests may kill and
restart (the machine's Redis is shared with other test runs and is never touched), and a TCP
proxy in front of PostgreSQL that a test can cut and restore."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from deploy.cluster import free_port

HERE = Path(__file__).resolve().parent


def wait_for_port(port: int, up: bool, timeout: float = 10.0) -> None:
    """Until something accepts on 127.0.0.1:`port` (up) or nothing does (not up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                accepting = True
        except OSError:
            accepting = False
        if accepting == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} {'never opened' if up else 'stayed open'}")


class Restartable:
    """A child process on a fixed port that a test can kill -9 and start again."""

    def __init__(self, workdir: Path, name: str) -> None:
        self.workdir, self.name = workdir, name
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        with open(self.workdir / f"{self.name}.log", "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for_port(self.port, up=True)

    def kill(self) -> None:
        """kill -9: every connection drops at once, new ones are refused."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        wait_for_port(self.port, up=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class RedisServer(Restartable):
    """A private redis-server (no persistence) on a free port."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, "redis")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        return [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]


class TcpProxy(Restartable):
    """tests/cluster/tcp_proxy.py between the cluster and PostgreSQL."""

    def __init__(self, workdir: Path, target_host: str, target_port: int) -> None:
        super().__init__(workdir, "pg-proxy")
        self.target_host, self.target_port = target_host, target_port

    def command(self) -> list[str]:
        return [
            sys.executable,
            str(HERE / "tcp_proxy.py"),
            str(self.port),
            self.target_host,
            str(self.target_port),
        ]
