"""What a city's cluster survives: a process killed -9 under load, Redis restarted mid-run, and
PostgreSQL out of reach — with no ticket lost or duplicated, and every screen healed."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import websocket

from deploy.cluster import Cluster

from .conftest import CLUSTER_ENV
from .halls import (
    Outcomes,
    TestHall,
    assert_numbering,
    build_halls,
    client_from,
    events_of,
    tickets_of,
)
from .outside import RedisServer, TcpProxy
from .sockets import NEWS_S, Screen

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

#: How long a test waits for a screen to come back with a fresh snapshot before it calls it
#: lost (a liveness deadline, not a speed target: speeds are in bench/ and docs/benchmarks.md).
#: It covers Engine.IO's own ping timeout (25 + 20 s), the last way a screen learns of a drop:
#: once, under a loaded `make test`, a board was not back within 30 s of Redis's restart.
RESYNC_S = 60.0


class Load:
    """Kiosks issuing tickets and counters calling and finishing them, through nginx from many
    addresses, until stopped; then the counters drain the queue. Ambiguous answers (the process
    died mid-request: 502, a dropped connection) are counted, never retried blindly."""

    def __init__(self, cluster: Cluster, hall: TestHall, kiosks: int, database_url: str) -> None:
        self.cluster, self.hall, self.database_url = cluster, hall, database_url
        self.issued = Outcomes()  # items: ticket ids the client was told about (201)
        self.calls = Outcomes()  # items: ticket ids a counter was given (200)
        self.stop_issuing = threading.Event()
        self.draining = threading.Event()
        self.threads = [
            threading.Thread(target=self._kiosk, args=(n,), daemon=True) for n in range(kiosks)
        ] + [
            threading.Thread(target=self._counter, args=(i, c), daemon=True)
            for i, c in enumerate(hall.counters)
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop_issuing.set()
        self.draining.set()
        for thread in self.threads:
            thread.join(120)

    def drain(self, timeout: float = 120) -> None:
        """Stop issuing; the counters call until nobody waits, then stop."""
        self.stop_issuing.set()
        self.draining.set()
        for thread in self.threads:
            thread.join(timeout)
            assert not thread.is_alive(), "the load did not drain"

    def _kiosk(self, n: int) -> None:
        with client_from(n) as http:
            self._issue(n, http)

    def _issue(self, n: int, http: requests.Session) -> None:
        codes = sorted(self.hall.services)
        while not self.stop_issuing.is_set():
            try:
                response = http.post(
                    f"{self.cluster.url}/api/v1/tickets?site={self.hall.site_id}",
                    json={"service": codes[n % len(codes)]},
                    timeout=30,
                )
            except requests.RequestException as exc:
                self.issued.add(type(exc).__name__)
                continue
            ok = response.status_code == 201
            self.issued.add(response.status_code, response.json()["id"] if ok else None)

    def _counter(self, index: int, counter_id: int) -> None:
        with client_from(200 + index) as http:
            self._serve(counter_id, http)

    def _serve(self, counter_id: int, http: requests.Session) -> None:
        staff = self.hall.staff[counter_id]
        base = f"{self.cluster.url}/api/v1"

        def post(path: str) -> requests.Response | None:
            try:
                return http.post(f"{base}{path}", headers=staff, timeout=30)
            except requests.RequestException:
                return None

        while (opened := post(f"/counters/{counter_id}/open")) is None or opened.status_code != 200:
            time.sleep(0.1)
        while True:
            response = post(f"/counters/{counter_id}/call-next")
            if response is None or response.status_code >= 500:
                continue  # did it call? the next call-next says so (counter_busy)
            if response.status_code == 204:
                if self.draining.is_set():
                    return
                time.sleep(0.05)
                continue
            if response.status_code == 409 and response.json()["error"] == "counter_busy":
                ticket_id = self._current_ticket(counter_id)  # the clerk reads the screen
            else:
                assert response.status_code == 200, response.text
                ticket_id = response.json()["id"]
                self.calls.add(200, ticket_id)
            while True:  # finish it, however many tries it takes
                done = post(f"/tickets/{ticket_id}/finish")
                if done is not None and done.status_code in (200, 409):
                    break

    def _current_ticket(self, counter_id: int) -> int:
        from sqlalchemy import select

        from queue_app.extensions import db
        from queue_app.models import Ticket

        from ..conftest import make_app

        app = make_app(self.database_url)
        with app.app_context():
            ticket_id = db.session.scalar(
                select(Ticket.id).where(
                    Ticket.counter_id == counter_id, Ticket.state.in_(["called", "serving"])
                )
            )
            db.session.remove()
            db.engine.dispose()
        assert ticket_id is not None
        return int(ticket_id)


def assert_nothing_lost_or_doubled(load: Load, database_url: str) -> None:
    """Numbers contiguous per service; every ticket a client was told about exists; tickets no
    client heard of are at most the ambiguous answers; every ticket called exactly once."""
    hall = load.hall
    stored = tickets_of(database_url, [hall.site_id])
    assert_numbering(stored)
    ids = {t["id"] for t in stored}
    told = set(load.issued.items)
    assert told <= ids, "a ticket a client was given is missing"
    assert len(load.issued.items) == len(told), "two clients were given the same ticket"
    ambiguous = sum(n for status, n in load.issued.statuses.items() if status != 201)
    assert len(ids - told) <= ambiguous
    events = events_of(database_url, hall.site_id)
    calls: dict[int, int] = {}
    for event in events:
        if event["action"] == "call":
            calls[event["ticket_id"]] = calls.get(event["ticket_id"], 0) + 1
    assert calls == dict.fromkeys(ids, 1), "a ticket was called twice, or never"
    assert {t["state"] for t in stored} == {"done"}


def resynced_after(screen: Screen, since: float) -> float:
    """Seconds from `since` until `screen` was dropped and had its snapshot again."""

    def reconnected() -> list[float]:
        dropped = [at for at in screen.disconnects if at > since]
        return [at for at, _ in screen.snapshots(after=dropped[0])] if dropped else []

    return screen.wait_for(reconnected, RESYNC_S, "reconnect with a snapshot")[0] - since


def upstream_of_this_machine(cluster: Cluster) -> int:
    """The process nginx's ip_hash gives 127.0.0.1 (where this test's sockets land)."""
    response = requests.get(f"{cluster.url}/api/v1/openapi.json", timeout=10)
    index = cluster.backend_of(response.headers)
    assert index is not None
    return index


def test_kill_9_of_a_process_under_load_loses_nothing_and_its_screens_resync(
    cluster: Cluster, cluster_database_url: str
) -> None:
    hall = build_halls(cluster_database_url, 1, services="AB", counters=4, name="kill")[0]
    doomed = upstream_of_this_machine(cluster)
    phone_ticket = requests.post(
        f"{cluster.url}/api/v1/tickets?site={hall.site_id}", json={"service": "B"}, timeout=10
    ).json()
    screens = [Screen(cluster.url, f"board={hall.site_id}").connect() for _ in range(3)]
    screens.append(
        Screen(cluster.url, f"ticket={phone_ticket['token']}", sequenced=False).connect()
    )
    try:
        with Load(cluster, hall, kiosks=16, database_url=cluster_database_url) as load:
            time.sleep(2.0)
            killed_at = time.perf_counter()
            before = load.issued.statuses[201]
            cluster.kill(doomed, signal.SIGKILL)
            # Each screen notices, reconnects through nginx (to another process) and resyncs.
            healed = [resynced_after(screen, killed_at) for screen in screens]
            time.sleep(1.0)  # load goes on without the dead process
            load.drain()
        cluster.restart(doomed)
        assert before > 0 and load.issued.statuses[201] > before, "the load did not go on"
        print(
            f"\nkilled process {doomed}: screens back in {max(healed):.2f} s; "
            f"issues {dict(load.issued.statuses)}; calls {load.calls.statuses[200]}"
        )
    finally:
        for screen in screens:
            screen.close()
    load.issued.items.append(phone_ticket["id"])
    assert_nothing_lost_or_doubled(load, cluster_database_url)


def test_redis_restart_keeps_http_working_and_screens_resync(
    cluster: Cluster, redis_server: RedisServer, cluster_database_url: str
) -> None:
    hall = build_halls(cluster_database_url, 1, services="A", counters=1, name="redis")[0]
    counter_id = hall.counters[0]
    staff = hall.staff[counter_id]
    backends = cluster.backends
    site = f"?site={hall.site_id}"

    def issue(base: str) -> dict[str, Any]:
        response = requests.post(f"{base}/api/v1/tickets{site}", json={"service": "A"}, timeout=10)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def call(base: str) -> dict[str, Any]:
        response = requests.post(
            f"{base}/api/v1/counters/{counter_id}/call-next", headers=staff, timeout=10
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finish(base: str, ticket: dict[str, Any]) -> None:
        response = requests.post(
            f"{base}/api/v1/tickets/{ticket['id']}/finish", headers=staff, timeout=10
        )
        assert response.status_code == 200, response.text

    first = issue(backends[0])
    phone_ticket = issue(backends[0])
    assert requests.post(
        f"{backends[0]}/api/v1/counters/{counter_id}/open", headers=staff, timeout=10
    ).ok
    boards = [Screen(base, f"board={hall.site_id}").connect() for base in backends]
    phone = Screen(backends[1], f"ticket={phone_ticket['token']}", sequenced=False).connect()
    try:
        # Before: a call on process 0 reaches every process.
        finish(backends[0], call(backends[0]))
        for board in boards[1:]:
            board.wait_for(lambda board=board: board.news("ticket"), NEWS_S, "news")

        redis_server.kill()
        # HTTP keeps working on every process while Redis is down.
        for base in backends:
            issue(base)
        called = call(backends[0])  # the phone's ticket, called while Redis is down
        assert called["id"] == phone_ticket["id"]
        assert called["code"] != first["code"]
        time.sleep(1.0)
        assert phone.news("ticket") == [], "news crossed processes without Redis?"

        back_at = time.perf_counter()
        redis_server.start()
        # Every process listens again and then drops its clients; each reconnects and gets a
        # fresh snapshot (a board may also resync earlier on its own, from a gap in `seq`).
        healed = max(resynced_after(screen, back_at) for screen in [*boards, phone])
        assert phone.snapshots(after=back_at)[-1][1]["data"]["state"] == "called", (
            "the phone missed its call"
        )
        for board in boards:
            recent = board.snapshots(after=back_at)[-1][1]["data"]["recent_calls"]
            assert recent[0]["code"] == called["code"]

        # And broadcasts cross processes again.
        finish(backends[0], called)
        issue(backends[2])
        started = time.perf_counter()
        again = call(backends[3])
        for board in boards:
            board.wait_for(
                lambda board=board: [
                    d
                    for _, d in board.news("ticket", after=started)
                    if d["ticket"]["code"] == again["code"] and d["action"] == "call"
                ],
                NEWS_S,
                "the next call",
            )
        print(f"\nRedis back: every screen resynced within {healed:.2f} s")
    finally:
        for screen in [*boards, phone]:
            screen.close()
        if not redis_server.running:
            redis_server.start()


# -- PostgreSQL out of reach ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxy(workdir: Path, cluster_database_url: str) -> Iterator[TcpProxy]:
    target = urlsplit(cluster_database_url)
    server = TcpProxy(workdir, target.hostname or "127.0.0.1", target.port or 5432)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxied_cluster(
    proxy: TcpProxy, cluster_database_url: str, redis_server: RedisServer, workdir: Path
) -> Iterator[Cluster]:
    """Two processes behind nginx whose database connections go through the proxy."""
    parts = urlsplit(cluster_database_url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    through_proxy = urlunsplit(
        parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host)
    )
    with Cluster(
        processes=2,
        database_url=through_proxy,
        redis_url=redis_server.url,
        workdir=workdir / "proxied",
        env=CLUSTER_ENV,
    ) as cluster:
        yield cluster


def socketio_by_hand(base: str, query: str) -> list[str]:
    """Open an Engine.IO websocket, ask to join namespace "/", and return the packets the server
    sends until it closes the connection or a snapshot arrives ("closed" marks a close)."""
    url = base.replace("http://", "ws://") + f"/socket.io/?EIO=4&transport=websocket&{query}"
    ws = websocket.create_connection(url, timeout=10)
    try:
        packets = [ws.recv()]  # the Engine.IO open packet, "0{...}"
        ws.send("40")  # Socket.IO CONNECT to "/"
        while not packets[-1].startswith("42"):
            try:
                packet = ws.recv()
            except websocket.WebSocketConnectionClosedException:
                packet = ""
            if not packet:
                packets.append("closed")
                break
            packets.append(packet)
    finally:
        ws.close(timeout=1)
        ws.shutdown()  # close() leaves the socket open when the server closed first
    return packets


def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    started = time.perf_counter()
    while not condition():
        assert time.perf_counter() - started < timeout, f"{what} not within {timeout} s"
        time.sleep(0.1)
    return time.perf_counter() - started


def test_postgres_out_of_reach_gives_503_json_and_recovers_by_itself(
    proxied_cluster: Cluster, proxy: TcpProxy, cluster_database_url: str
) -> None:
    cluster = proxied_cluster
    hall = build_halls(cluster_database_url, 1, services="AB", name="outage")[0]
    site = f"?site={hall.site_id}"
    outcomes = Outcomes()
    stop = threading.Event()

    def kiosk(n: int) -> None:
        with client_from(300 + n) as http:
            issue_from(n, http)

    def issue_from(n: int, http: requests.Session) -> None:
        while not stop.is_set():
            try:
                r = http.post(
                    f"{cluster.url}/api/v1/tickets{site}", json={"service": "AB"[n % 2]}, timeout=30
                )
            except requests.RequestException as exc:
                outcomes.add(type(exc).__name__)
                continue
            outcomes.add(r.status_code, r.json()["id"] if r.status_code == 201 else None)
            if r.status_code != 201:
                time.sleep(0.05)

    kiosks = [threading.Thread(target=kiosk, args=(n,), daemon=True) for n in range(8)]
    for thread in kiosks:
        thread.start()
    try:
        until(lambda: outcomes.statuses[201] >= 20, 30, "tickets before the cut")
        proxy.kill()
        for base in cluster.backends:
            # Answered (libpq gives up after its 5 s connect timeout), never left hanging.
            api = requests.post(f"{base}/api/v1/tickets{site}", json={"service": "A"}, timeout=30)
            assert api.status_code == 503
            assert api.headers["Content-Type"].startswith("application/json")
            assert api.json()["error"] == "database_unavailable"
            assert api.json()["message"]
            board = requests.get(f"{base}/api/v1/board{site}", timeout=30)
            assert board.status_code == 503 and board.json()["error"] == "database_unavailable"
            page = requests.get(f"{base}/kiosk", headers={"Accept": "text/html"}, timeout=30)
            assert page.status_code == 503
            assert page.headers["Content-Type"].startswith("text/html")
            for response in (api, board, page):
                assert "Traceback" not in response.text and "psycopg" not in response.text
            # A screen connecting now is dropped, not refused (socket.io-client never retries
            # a refused connect): no CONNECT_ERROR ("44"), the transport just closes.
            packets = socketio_by_hand(base, f"board={hall.site_id}")
            assert packets[0].startswith("0") and packets[1:] == ["closed"], packets
        time.sleep(1.0)
        during = dict(outcomes.statuses)

        proxy.start()
        # No restart: each process's pool notices the dead connections and reconnects.
        recovered = {}
        for index, base in enumerate(cluster.backends):
            recovered[index] = until(
                lambda base=base: (
                    requests.post(
                        f"{base}/api/v1/tickets{site}", json={"service": "B"}, timeout=30
                    ).status_code
                    == 201
                ),
                15,
                f"process {index} recovering",
            )
        until(lambda: outcomes.statuses[201] >= during.get(201, 0) + 20, 30, "kiosks recovering")
        for base in cluster.backends:  # and screens connect again, with their snapshot
            packets = socketio_by_hand(base, f"board={hall.site_id}")
            assert packets[-1].startswith('42["snapshot"'), packets
    finally:
        stop.set()
        for thread in kiosks:
            thread.join(60)
        if not proxy.running:
            proxy.start()

    assert outcomes.statuses[503] > 0, outcomes.statuses
    assert set(outcomes.statuses) <= {201, 503}, outcomes.statuses  # nothing else, never a 500
    # Nothing half-written: numbers contiguous, every answered ticket stored, and every stored
    # ticket has its issue event, in a gap-free sequence.
    stored = tickets_of(cluster_database_url, [hall.site_id])
    assert_numbering(stored)
    ids = {t["id"] for t in stored}
    assert set(outcomes.items) <= ids
    events = events_of(cluster_database_url, hall.site_id)
    assert sorted(e["ticket_id"] for e in events if e["action"] == "issue") == sorted(ids)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    print(f"\nPostgreSQL cut: kiosks saw {dict(outcomes.statuses)}; recovered in {recovered}")
