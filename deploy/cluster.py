"""Start a Loket cluster on this machine: N single-worker gunicorn processes (gevent) behind nginx,
sharing one database and one Redis message queue.

    from deploy.cluster import Cluster
    with Cluster(processes=4, database_url="postgresql+psycopg://postgres@127.0.0.1/loket",
                 redis_url="redis://127.0.0.1:6379/0", workdir=tmp_path) as c:
        requests.get(c.url + "/api/v1/board")     # through nginx
        c.kill(0, signal.SIGKILL); c.restart(0)   # one backend process

It migrates the database once (`flask db upgrade`), seeds the demo hall if asked, starts the
processes on free ports with one shared SECRET_KEY (behind nginx, with TRUSTED_PROXIES set to
nginx's address), renders deploy/nginx/loket.conf for them and runs nginx in the foreground (as a
child, with its config, pid and logs under `workdir`), waits until every process and nginx
answer, and stops and reaps everything on exit — also after a failure. `make serve-cluster`
(scripts/serve_cluster.py), tests/cluster and bench/ use it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from .nginx_site import render_site

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONF = Path(__file__).resolve().parent / "gunicorn.conf.py"
#: Answers once the process serves requests and reaches its database (404: no hall seeded yet).
READY_PATH = "/api/v1/services"
#: nginx adds the address of the process that served a request (local clusters only), so tests
#: and benchmarks can tell which process ip_hash picked.
UPSTREAM_HEADER = "X-Loket-Upstream"


class ClusterError(RuntimeError):
    """A process of the cluster did not start or did not answer in time."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout: float = 2.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, ValueError):
        return None


class Backend:
    """One gunicorn process (master + its single gevent worker) in its own process group."""

    def __init__(self, index: int, host: str, port: int, log_path: Path) -> None:
        self.index, self.host, self.port, self.log_path = index, host, port, log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, env: Mapping[str, str]) -> None:
        with open(self.log_path, "ab") as log:
            log.write(f"--- starting on {self.address} at {time.ctime()}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    str(GUNICORN_CONF),
                    "--bind",
                    self.address,
                    "--name",
                    f"loket-{self.index}",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: a signal reaches the master and its worker together.
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)

    def stop(self, timeout: float = 10.0) -> None:
        """Quick shutdown (SIGINT: gunicorn does not wait for open websockets), then SIGKILL;
        always reaped. Kills the whole group, so no orphaned worker keeps the port."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        self._kill_group()
        self.process.wait()

    def _kill_group(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def log_of_this_start(self) -> str:
        """What this process logged since it was last started."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[text.rfind("--- starting on ") :]

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Cluster:
    """N gunicorn processes (+ nginx in front unless `nginx=False`), started on enter, stopped on
    exit. See the module docstring."""

    def __init__(
        self,
        processes: int = 4,
        database_url: str | None = None,
        redis_url: str | None = None,
        workdir: str | Path | None = None,
        nginx: bool = True,
        env: Mapping[str, str] | None = None,
        *,
        seed_demo: bool = False,
        port: int = 0,
        host: str = "127.0.0.1",
        nginx_host: str | None = None,
        worker_connections: int = 10000,
        ready_timeout: float = 60.0,
        nginx_binary: str | None = None,
    ) -> None:
        if processes < 1:
            raise ValueError("a cluster needs at least one process")
        self.processes = processes
        self.workdir = Path(workdir) if workdir is not None else ROOT / "instance" / "cluster"
        self.database_url = database_url or f"sqlite:///{self.workdir / 'loket.db'}"
        self.redis_url = redis_url
        self.use_nginx = nginx
        self.seed_demo = seed_demo
        self.host = host
        #: Where nginx listens (the processes always listen on `host`): e.g. 0.0.0.0 for a LAN.
        self.nginx_host = nginx_host or host
        self.nginx_port = port
        self._fixed_nginx_port = bool(port)
        self.ready_timeout = ready_timeout
        self.nginx_binary = nginx_binary or shutil.which("nginx") or "/usr/sbin/nginx"
        self.env = self._environment(env or {}, worker_connections)
        self._backends: list[Backend] = []
        self._nginx: subprocess.Popen[bytes] | None = None
        self._nginx_dir = self.workdir / "nginx"
        #: What `flask seed-demo` printed (how to sign in), when `seed_demo` was asked.
        self.seed_output = ""

    # -- what callers use ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL clients use: nginx, or the single backend without nginx."""
        if self.use_nginx:
            host = self.host if self.nginx_host in ("0.0.0.0", "::") else self.nginx_host
            return f"http://{host}:{self.nginx_port}"
        return self._backends[0].url

    @property
    def backends(self) -> list[str]:
        """Each process's own base URL (bypassing nginx)."""
        return [backend.url for backend in self._backends]

    @property
    def pids(self) -> list[int | None]:
        """The gunicorn master pid of each process (None while one is stopped or killed)."""
        return [
            b.process.pid if b.process is not None and b.running() else None for b in self._backends
        ]

    @property
    def nginx_pid(self) -> int | None:
        return self._nginx.pid if self._nginx is not None and self._nginx.poll() is None else None

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to process `index` (its gunicorn master and worker together). SIGKILL is a
        crash: the process is gone and reaped when this returns."""
        backend = self._backends[index]
        backend.signal(sig)
        if sig == signal.SIGKILL and backend.process is not None:
            backend.process.wait()

    def restart(self, index: int) -> None:
        """Stop process `index` if it still runs, start it again on the same port, wait until it
        answers."""
        backend = self._backends[index]
        backend.stop()
        self._start_backend(backend)
        self._wait_ready([backend])

    def backend_of(self, headers: Mapping[str, str]) -> int | None:
        """Which process served a response that came through nginx (from its upstream header)."""
        address = headers.get(UPSTREAM_HEADER, "").split(",")[-1].strip()
        for backend in self._backends:
            if backend.address == address:
                return backend.index
        return None

    def flask(self, *args: str, timeout: float = 120.0) -> str:
        """Run `flask --app queue_app ARGS` against the cluster's database; its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "queue_app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise ClusterError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def logs(self) -> str:
        """The last lines of every process's log and of nginx's error log (for failure reports)."""
        parts = [f"== backend {b.index} ({b.address})\n{b.log_tail()}" for b in self._backends]
        error_log = self._nginx_dir / "error.log"
        if error_log.exists():
            tail = error_log.read_text(errors="replace").splitlines()[-20:]
            parts.append("== nginx\n" + "\n".join(tail))
        return "\n".join(parts)

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Migrate (and seed), start every process and nginx, wait until all answer."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self.flask("db", "upgrade")
            if self.seed_demo:
                self.seed_output = self.flask("seed-demo")
            for index in range(self.processes):
                backend = Backend(
                    index, self.host, free_port(self.host), self.workdir / f"backend-{index}.log"
                )
                self._backends.append(backend)
                self._start_backend(backend)
            self._wait_ready(self._backends, may_move=True)
            if self.use_nginx:
                self._start_nginx()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop nginx and every process; reap them all. Safe to call twice."""
        if self._nginx is not None:
            if self._nginx.poll() is None:
                self._nginx.send_signal(signal.SIGTERM)
                try:
                    self._nginx.wait(10)
                except subprocess.TimeoutExpired:
                    self._nginx.kill()
                    self._nginx.wait()
            self._nginx = None
        for backend in self._backends:
            backend.signal(signal.SIGINT)
        for backend in self._backends:
            backend.stop()

    # -- internals -----------------------------------------------------------------------------

    def _environment(self, extra: Mapping[str, str], worker_connections: int) -> dict[str, str]:
        env = dict(os.environ)
        # Nothing from the caller's shell that would point the cluster elsewhere.
        for name in ("REDIS_URL", "SOCKETIO_ASYNC_MODE", "FLASK_APP", "LOKET_BIND", "PORT"):
            env.pop(name, None)
        env.update(
            {
                "DATABASE_URL": self.database_url,
                # One key for every process: a session signed by one is valid on the others.
                "SECRET_KEY": env.get("SECRET_KEY") or secrets.token_hex(32),
                "PYTHONPATH": os.pathsep.join(
                    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
                ),
                "WORKER_CONNECTIONS": str(worker_connections),
            }
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        if self.use_nginx:
            # One proxy in front: the client's address is nginx's X-Forwarded-For, believed
            # only from nginx's own address (anyone else reaching a process directly is taken
            # at its own address).
            env["PROXY_FIX_X_FOR"] = "1"
            env["TRUSTED_PROXIES"] = self.nginx_source_address()
        env.update(extra)
        return env

    def nginx_source_address(self) -> str:
        """The address nginx connects to the processes from: this machine's own, so 127.0.0.1
        for processes on a loopback (or every) address, else the address they listen on."""
        try:
            address = ipaddress.ip_address(self.host)
        except ValueError:  # a name such as localhost
            return "127.0.0.1,::1"
        if address.is_loopback or address.is_unspecified:
            return "::1" if address.version == 6 else "127.0.0.1"
        return str(address)

    def _start_backend(self, backend: Backend) -> None:
        backend.start(self.env)

    def _wait_ready(self, backends: list[Backend], may_move: bool = False) -> None:
        """Until every backend answers. `may_move`: a backend whose free port was taken in the
        meantime (by anything else on the machine) starts again on another one."""
        deadline = time.monotonic() + self.ready_timeout
        waiting = list(backends)
        moves = 0
        while waiting:
            for backend in list(waiting):
                if not backend.running():
                    taken = "Connection in use" in backend.log_of_this_start()
                    if may_move and moves < 3 and taken:
                        moves += 1
                        backend.port = free_port(self.host)
                        self._start_backend(backend)
                        continue
                    raise ClusterError(
                        f"backend {backend.index} exited while starting:\n{backend.log_tail()}"
                    )
                status = answers(backend.url + READY_PATH)
                if status in (200, 404):
                    waiting.remove(backend)
            if waiting and time.monotonic() > deadline:
                raise ClusterError(
                    f"backends {[b.index for b in waiting]} did not answer within "
                    f"{self.ready_timeout:.0f} s:\n{self.logs()}"
                )
            if waiting:
                time.sleep(0.1)

    def nginx_config(self) -> str:
        """The whole nginx.conf of the local cluster: the deploy/ site inside a minimal main
        configuration that keeps everything (pid, logs, temp files) under the workdir."""
        site = render_site(
            [b.address for b in self._backends],
            listen=f"{self.nginx_host}:{self.nginx_port}",
            server_name="localhost",
            extra=[f"add_header {UPSTREAM_HEADER} $upstream_addr always;"],
        )
        here = self._nginx_dir
        mime_types = Path("/etc/nginx/mime.types")
        # As root, nginx's workers would switch to `nobody`, who cannot read a private workdir.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(
            f"    {kind}_temp_path {here / 'temp' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return (
            f"# Generated by deploy/cluster.py for a local cluster; see deploy/nginx/loket.conf.\n"
            f"{user}"
            f"worker_processes 1;\n"
            f"worker_rlimit_nofile 65536;\n"
            f"pid {here / 'nginx.pid'};\n"
            f"error_log {here / 'error.log'} warn;\n"
            f"events {{\n    worker_connections 16384;\n}}\n"
            f"http {{\n"
            f"    {'include ' + str(mime_types) + ';' if mime_types.exists() else ''}\n"
            f"    default_type application/octet-stream;\n"
            f"    access_log {here / 'access.log'};\n"
            f"    sendfile on;\n"
            f"{temp}\n"
            f"{site}"
            f"}}\n"
        )

    def _start_nginx(self) -> None:
        if not Path(self.nginx_binary).exists():
            raise ClusterError(f"nginx not found at {self.nginx_binary} (Debian package nginx)")
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self._nginx_dir / "temp" / kind).mkdir(parents=True, exist_ok=True)
        for attempt in range(3):
            if not self.nginx_port or (attempt and not self._fixed_nginx_port):
                self.nginx_port = free_port(self.host)
            conf = self._nginx_dir / "nginx.conf"
            conf.write_text(self.nginx_config(), encoding="utf-8")
            log = open(self._nginx_dir / "stderr.log", "ab")  # noqa: SIM115 - kept by Popen
            try:
                self._nginx = subprocess.Popen(
                    [
                        self.nginx_binary,
                        "-p",
                        str(self._nginx_dir),
                        "-e",
                        str(self._nginx_dir / "error.log"),
                        "-c",
                        str(conf),
                        "-g",
                        "daemon off;",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            finally:
                log.close()
            if self._wait_nginx():
                return
        raise ClusterError(f"nginx did not start:\n{self.logs()}")

    def _wait_nginx(self) -> bool:
        """True once nginx answers through to a backend; False when it exited (port taken)."""
        assert self._nginx is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._nginx.poll() is not None:
                self._nginx = None
                return False
            if answers(self.url + READY_PATH) in (200, 404):
                return True
            time.sleep(0.05)
        raise ClusterError(f"nginx did not answer within {self.ready_timeout:.0f} s")
