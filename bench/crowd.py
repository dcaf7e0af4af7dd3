"""A crowd of Socket.IO clients light enough to hold thousands: lobby boards, counter
terminals and phone status pages, each one websocket, timestamping the news it hears.

The client is the minimum of Engine.IO 4 / Socket.IO 5 on the websocket transport (what the
screens use first): open (`0{...}`), connect to `/` (`40`), answer pings (`2` → `3`), read events
(`42["name",{...}]`). No reconnection, no acknowledgements, no binary: a benchmark wants to see
a lost connection, not hide it. Clients run on asyncio (aiohttp) in one or more shard processes;
the driver arms a round, makes its request, and collects, from every shard, the time at which
each client held the news of that round (time.monotonic(): one clock for every process on the
machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .common import raise_open_files, source_address

#: Connections opened at once while the crowd gathers.
CONNECT_AT_ONCE = 100


@dataclass(frozen=True)
class ClientSpec:
    """One screen: `kind` board | counter | phone, its connection query, and for a counter
    terminal the staff Bearer token its handshake carries."""

    kind: str
    query: str
    bearer: str | None = None


def matches(kind: str, frame: str, action: str) -> bool:
    """Whether an event frame is the news a client of this kind waits for in a round of
    `action` (call, finish …): boards and counters the `ticket` news of that action, phones
    their own `position` (or their own ticket's news)."""
    if kind == "phone":
        return frame.startswith('42["position"') or frame.startswith('42["ticket"')
    return frame.startswith('42["ticket"') and f'"action":"{action}"' in frame


class Shard:
    """The clients of one process, driven through a pipe by `Crowd`."""

    def __init__(self, conn: Connection, base: str, specs: list[ClientSpec], offset: int) -> None:
        self.conn = conn
        self.ws_base = base.replace("http://", "ws://", 1).rstrip("/") + "/socket.io/"
        self.specs = specs
        self.offset = offset
        self.sockets: dict[int, Any] = {}
        self.ready: set[int] = set()
        self.lost: set[int] = set()
        self.failed: dict[str, int] = {}
        self.armed: str | None = None
        self.expected: set[int] = set()
        self.got: dict[int, float] = {}
        self.sizes: dict[str, list[int]] = {}
        self.all_in = asyncio.Event()
        self.finished = asyncio.Event()
        self.closing = False
        self.sessions: list[Any] = []
        self.tasks: set[asyncio.Task[None]] = set()

    # -- control ----------------------------------------------------------------------------

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self._on_command)
        await self.finished.wait()
        loop.remove_reader(self.conn.fileno())

    def _on_command(self) -> None:
        while self.conn.poll():
            command, *args = self.conn.recv()
            task = asyncio.create_task(getattr(self, f"do_{command}")(*args))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def do_connect(self, timeout: float) -> None:
        import aiohttp

        started = time.monotonic()
        groups = 64
        self.sessions = [
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=0, local_addr=(source_address(self.offset + g), 0)
                )
            )
            for g in range(groups)
        ]
        gate = asyncio.Semaphore(CONNECT_AT_ONCE)
        for i in range(len(self.specs)):
            task = asyncio.create_task(self._client(i, gate))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        deadline = started + timeout
        while time.monotonic() < deadline:
            if len(self.ready) + sum(self.failed.values()) + len(self.lost) >= len(self.specs):
                break
            await asyncio.sleep(0.05)
        self.conn.send(
            {
                "ready": len(self.ready),
                "failed": dict(self.failed),
                "seconds": time.monotonic() - started,
            }
        )

    async def do_arm(self, action: str) -> None:
        self.armed = action
        self.got = {}
        self.expected = set(self.ready) - self.lost
        self.all_in = asyncio.Event()
        if not self.expected:
            self.all_in.set()
        self.conn.send("armed")

    async def do_collect(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_in.wait(), timeout)
        by_kind: dict[str, list[float]] = {}
        for i, at in self.got.items():
            by_kind.setdefault(self.specs[i].kind, []).append(at)
        missing: dict[str, int] = {}
        for i in self.expected - set(self.got):
            missing[self.specs[i].kind] = missing.get(self.specs[i].kind, 0) + 1
        self.armed = None
        self.conn.send({"arrivals": by_kind, "missing": missing, "lost": len(self.lost)})

    async def do_sizes(self) -> None:
        self.conn.send({k: round(sum(v) / len(v)) for k, v in self.sizes.items() if v})

    async def do_close(self) -> None:
        self.closing = True
        for ws in list(self.sockets.values()):
            await ws.close()
        for session in self.sessions:
            await session.close()
        self.conn.send("closed")
        self.finished.set()

    # -- one client -------------------------------------------------------------------------

    async def _client(self, i: int, gate: asyncio.Semaphore) -> None:
        import aiohttp

        spec = self.specs[i]
        session = self.sessions[i % len(self.sessions)]
        headers = {"Authorization": f"Bearer {spec.bearer}"} if spec.bearer else {}
        url = f"{self.ws_base}?EIO=4&transport=websocket&{spec.query}"
        try:
            async with gate:
                ws = await session.ws_connect(
                    url,
                    headers=headers,
                    autoping=True,
                    compress=0,
                    max_msg_size=0,
                    timeout=aiohttp.ClientWSTimeout(ws_close=5),
                )
                opened = await ws.receive(timeout=30)
                if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
                    raise ConnectionError(f"no Engine.IO open: {opened.data!r}")
                await ws.send_str("40")
                # The server may send events (the snapshot) before its connect answer.
                while True:
                    joined = await ws.receive(timeout=30)
                    if joined.type != aiohttp.WSMsgType.TEXT:
                        raise ConnectionError(f"closed while connecting: {joined.type!r}")
                    if joined.data.startswith("40"):
                        break
                    if joined.data.startswith("42"):
                        self._on_event(i, joined.data, time.monotonic())
                    else:
                        raise ConnectionError(f"refused: {joined.data[:80]!r}")
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:120]
            self.failed[reason] = self.failed.get(reason, 0) + 1
            return
        self.sockets[i] = ws
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                frame: str = message.data
                if frame == "2":
                    await ws.send_str("3")
                elif frame.startswith("42"):
                    self._on_event(i, frame, time.monotonic())
        finally:
            if not self.closing:
                self.lost.add(i)
                self.expected.discard(i)
                if self.armed is not None and len(self.got) >= len(self.expected):
                    self.all_in.set()

    def _on_event(self, i: int, frame: str, now: float) -> None:
        if frame.startswith('42["snapshot"'):
            self.ready.add(i)
            return
        action = self.armed
        if action is None or i in self.got or i not in self.expected:
            return
        kind = self.specs[i].kind
        if matches(kind, frame, action):
            self.got[i] = now
            self.sizes.setdefault(kind, []).append(len(frame))
            if len(self.got) >= len(self.expected):
                self.all_in.set()


def _shard_main(conn: Connection, base: str, specs: list[ClientSpec], offset: int) -> None:
    raise_open_files()
    asyncio.run(Shard(conn, base, specs, offset).serve())


class Crowd:
    """Many clients across `shards` processes. Use as a context manager."""

    def __init__(self, base: str, specs: Sequence[ClientSpec], shards: int = 1) -> None:
        self.base = base
        self.specs = list(specs)
        shards = max(1, min(shards, len(self.specs) or 1))
        context = multiprocessing.get_context("spawn")
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for s in range(shards):
            mine = self.specs[s::shards]
            parent, child = context.Pipe()
            process = context.Process(
                target=_shard_main, args=(child, base, mine, s * 64), daemon=True
            )
            process.start()
            child.close()
            self.conns.append(parent)
            self.processes.append(process)

    def __enter__(self) -> Crowd:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _all(self, *command: Any, timeout: float = 60) -> list[Any]:
        for conn in self.conns:
            conn.send(command)
        answers = []
        for conn in self.conns:
            if not conn.poll(timeout):
                raise TimeoutError(f"a crowd shard did not answer {command[0]!r}")
            answers.append(conn.recv())
        return answers

    def connect(self, timeout: float = 600) -> dict[str, Any]:
        """Open every connection; returns how many are ready (snapshot received)."""
        answers = self._all("connect", timeout, timeout=timeout + 30)
        failed: dict[str, int] = {}
        for answer in answers:
            for reason, n in answer["failed"].items():
                failed[reason] = failed.get(reason, 0) + n
        return {
            "ready": sum(a["ready"] for a in answers),
            "failed": failed,
            "seconds": round(max(a["seconds"] for a in answers), 2),
        }

    def arm(self, action: str) -> None:
        """Start a round: from now on each client notes when it hears the news of `action`."""
        self._all("arm", action)

    def collect(self, timeout: float = 10) -> tuple[dict[str, list[float]], dict[str, int]]:
        """End a round: arrival times by kind of client, and how many heard nothing."""
        arrivals: dict[str, list[float]] = {}
        missing: dict[str, int] = {}
        for answer in self._all("collect", timeout, timeout=timeout + 30):
            for kind, times in answer["arrivals"].items():
                arrivals.setdefault(kind, []).extend(times)
            for kind, n in answer["missing"].items():
                missing[kind] = missing.get(kind, 0) + n
        return arrivals, missing

    def frame_sizes(self) -> dict[str, int]:
        """Mean size in bytes of the matched frames, by kind of client."""
        sizes: dict[str, int] = {}
        for answer in self._all("sizes"):
            sizes.update(answer)
        return sizes

    def close(self) -> None:
        if not self.processes:
            return
        with contextlib.suppress(TimeoutError, OSError, EOFError):
            self._all("close", timeout=30)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
        self.processes = []
