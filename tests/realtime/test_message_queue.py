"""The message queue between processes (queue_app/realtime/message_queue.py) against an
in-memory pub/sub instead of Redis, as python-socketio tests its own managers: what is
published and when, in what order, what reaches the clients of another process, and how the
listener comes back after Redis went away. No thread runs: each test drives the sender
(`_send_queued`, what the background task does each time it wakes) and the listener itself,
and a fake clock stands in for `time`."""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from engineio import Server as EngineIOServer
from socketio import packet

from queue_app.realtime import message_queue
from queue_app.realtime.message_queue import ResilientRedisManager

CHANNEL = "flask-socketio"


class Idle(BaseException):
    """Raised by a subscription with nothing left to hear: ends the listener (its loops catch
    Exception only) once a test has played out what it wanted."""


class Broker:
    """An in-memory Redis: what was published, the live subscriptions, and a script of what
    happens next each time a listener waits for a message (`idle_steps`)."""

    def __init__(self) -> None:
        self.up = True
        self.published: list[Any] = []  # decoded messages, in the order Redis got them
        self.clients: list[FakeRedis] = []  # every connection made, in order
        self.subscriptions: list[FakePubSub] = []
        self.refusals = 0  # the next N subscribe attempts fail
        self.idle_steps: deque[Callable[[], None]] = deque()

    def from_url(self, url: str, **options: Any) -> FakeRedis:
        client = FakeRedis(self, options)
        self.clients.append(client)
        return client

    def deliver(self, raw: dict[str, Any]) -> None:
        """A raw pub/sub message, as redis-py's `listen()` gives it, to every subscription."""
        for subscription in self.subscriptions:
            subscription.inbox.append(raw)

    def cut(self) -> None:
        """Every live subscription loses its connection."""
        for subscription in self.subscriptions:
            subscription.broken = True


class FakeRedis:
    def __init__(self, broker: Broker, options: dict[str, Any]) -> None:
        self.broker = broker
        self.options = options
        self.closed = False

    def publish(self, channel: str, data: str) -> int:
        if not self.broker.up:
            raise redis.ConnectionError("Connection refused")
        self.broker.published.append(json.loads(data))
        raw = {"type": "message", "pattern": None, "channel": channel.encode(), "data": data}
        listeners = [s for s in self.broker.subscriptions if channel in s.channels]
        for subscription in listeners:
            subscription.inbox.append(raw)
        return len(listeners)

    def pubsub(self, ignore_subscribe_messages: bool = False) -> FakePubSub:
        return FakePubSub(self.broker)

    def close(self) -> None:
        self.closed = True


class FakePubSub:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.channels: set[str] = set()
        self.inbox: deque[dict[str, Any]] = deque()
        self.broken = False
        self.ended = False
        self.closed = False

    def subscribe(self, channel: str) -> None:
        if not self.broker.up or self.broker.refusals:
            self.broker.refusals = max(0, self.broker.refusals - 1)
            raise redis.ConnectionError("Connection refused")
        self.channels.add(channel)
        self.broker.subscriptions.append(self)

    def listen(self) -> Iterator[dict[str, Any]]:
        while True:
            if self.broken:
                raise redis.ConnectionError("Connection closed by server.")
            if self.ended:
                return
            if self.inbox:
                yield self.inbox.popleft()
            elif self.broker.idle_steps:
                self.broker.idle_steps.popleft()()
            else:
                raise Idle

    def close(self) -> None:
        self.closed = True
        if self in self.broker.subscriptions:
            self.broker.subscriptions.remove(self)


class Clock:
    """Stands in for the module's `time`: monotonic time moves only when told or slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class FakeSocket:
    """An Engine.IO connection of this process."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.closes: list[dict[str, Any]] = []

    def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> None:
        if self.broken:
            raise OSError("Broken pipe")
        self.closes.append({"wait": wait, "abort": abort, "reason": reason})


class FakeEngineIO:
    reason = EngineIOServer.reason

    def __init__(self) -> None:
        self.sockets: dict[str, FakeSocket] = {}
        self._ids = 0

    def generate_id(self) -> str:
        self._ids += 1
        return f"sid-{self._ids}"


class FakeServer:
    """What the manager uses of a python-socketio Server: background tasks (recorded, never
    run by themselves), the packets it sends its clients, its Engine.IO connections."""

    packet_class = packet.Packet

    def __init__(self) -> None:
        self.eio = FakeEngineIO()
        self.tasks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.sent: list[tuple[str, Any]] = []
        self.logger = logging.getLogger("tests.fake_socketio_server")

    def start_background_task(self, target: Callable[..., Any], *args: Any) -> None:
        self.tasks.append((target, args))

    def _send_eio_packet(self, eio_sid: str, eio_packet: Any) -> None:
        self.sent.append((eio_sid, packet.Packet(encoded_packet=eio_packet.data).data))


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> Broker:
    fake = Broker()
    monkeypatch.setattr(redis.Redis, "from_url", fake.from_url)
    return fake


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(message_queue, "time", fake)
    return fake


def process(*rooms: tuple[str, str]) -> tuple[ResilientRedisManager, FakeServer]:
    """One Loket process's manager, with a client in each (eio sid, room) given."""
    server = FakeServer()
    manager = ResilientRedisManager("redis://redis.example:6379/0")
    manager.set_server(server)
    for eio_sid, room in rooms:
        sid = manager.connect(eio_sid, "/")
        manager.basic_enter_room(sid, "/", room)
        server.eio.sockets[eio_sid] = FakeSocket()
    return manager, server


def emits(messages: list[Any]) -> list[tuple[str, Any]]:
    """(event, data) of each emit among published messages, unpacking batches."""
    flat: list[Any] = []
    for message in messages:
        flat.extend(message["messages"] if message["method"] == message_queue.BATCH else [message])
    return [(m["event"], m["data"][0]) for m in flat if m["method"] == "emit"]


def raw(data: Any, channel: str = CHANNEL, kind: str = "message") -> dict[str, Any]:
    encoded = data if isinstance(data, str) else json.dumps(data)
    return {"type": kind, "pattern": None, "channel": channel.encode(), "data": encoded}


# -- publishing ------------------------------------------------------------------------------


def test_an_emit_reaches_this_process_at_once_and_redis_only_through_the_sender(
    broker: Broker, clock: Clock
) -> None:
    manager, server = process(("eio-1", "board:1"))
    manager.emit("ticket", {"code": "A-001"}, room="board:1")
    manager.emit("ticket", {"code": "A-002"}, room="board:1")

    assert server.sent == [
        ("eio-1", ["ticket", {"code": "A-001"}]),
        ("eio-1", ["ticket", {"code": "A-002"}]),
    ]
    # The request did not talk to Redis: it queued its messages and woke the one sender.
    assert broker.clients == [] and broker.published == []
    assert server.tasks == [(manager._send_forever, ())]
    assert manager._wake.is_set()

    manager._send_queued()
    assert len(broker.published) == 1  # one round trip for both, in order
    assert broker.published[0]["method"] == message_queue.BATCH
    assert emits(broker.published) == [("ticket", {"code": "A-001"}), ("ticket", {"code": "A-002"})]
    assert {m["room"] for m in broker.published[0]["messages"]} == {"board:1"}

    manager.emit("ticket", {"code": "A-003"}, room="board:1")
    manager._send_queued()
    assert broker.published[1]["method"] == "emit"  # one message goes as it is
    assert emits(broker.published[1:]) == [("ticket", {"code": "A-003"})]
    assert len(server.tasks) == 1 and len(broker.clients) == 1  # one sender, one connection


def test_a_big_change_goes_in_batches_of_at_most_the_limit_oldest_first(
    broker: Broker, clock: Clock
) -> None:
    manager, _ = process()
    count = 2 * message_queue.BATCH_LIMIT + 7
    for n in range(count):
        manager.emit("position", {"n": n}, room=f"ticket:{n}")
    manager._send_queued()

    assert [len(m["messages"]) for m in broker.published] == [500, 500, 7]
    assert [data["n"] for _, data in emits(broker.published)] == list(range(count))
    assert not manager._outbox


def test_the_publisher_waits_briefly_and_the_listener_indefinitely(
    broker: Broker, clock: Clock
) -> None:
    manager, _ = process()
    manager.emit("ticket", {}, room="board:1")
    manager._send_queued()
    with pytest.raises(Idle):
        next(manager._listen())

    publisher, listener = broker.clients
    assert publisher.options["socket_timeout"] == message_queue.TIMEOUT_S
    assert publisher.options["socket_connect_timeout"] == message_queue.TIMEOUT_S
    assert publisher.options["retry"]._retries == 1  # one retry, on a fresh connection
    # An idle hall sends nothing for minutes: a read timeout would cut the listener each time.
    assert "socket_timeout" not in listener.options
    assert listener.options["socket_keepalive"] is True
    assert listener.options["retry"]._retries == 0  # a reconnect is noticed, never silent


def test_a_failed_publish_keeps_emits_local_for_a_second_then_reconnects(
    broker: Broker, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    manager, server = process(("eio-1", "board:1"))
    broker.up = False
    manager.emit("ticket", {"n": 1}, room="board:1")
    manager._send_queued()
    assert broker.published == []
    assert broker.clients[0].closed  # the broken connection is dropped

    broker.up = True
    clock.now += message_queue.PUBLISH_PAUSE_S / 2
    manager.emit("ticket", {"n": 2}, room="board:1")
    manager._send_queued()
    assert broker.published == [] and len(broker.clients) == 1  # Redis not even tried

    broker.up = False  # still away a second later: tried once more, then paused again
    clock.now += message_queue.PUBLISH_PAUSE_S / 2
    manager.emit("ticket", {"n": 3}, room="board:1")
    manager._send_queued()
    assert broker.published == [] and len(broker.clients) == 2

    broker.up = True
    clock.now += message_queue.PUBLISH_PAUSE_S
    manager.emit("ticket", {"n": 4}, room="board:1")
    manager._send_queued()
    assert emits(broker.published) == [("ticket", {"n": 4})]
    assert len(broker.clients) == 3  # on a fresh connection
    manager.emit("ticket", {"n": 5}, room="board:1")
    manager._send_queued()
    assert len(broker.published) == 2 and len(broker.clients) == 3

    # This process's clients heard everything; the outage was logged once, and its end once.
    assert [data["n"] for _, (_, data) in server.sent] == [1, 2, 3, 4, 5]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "cannot publish" in errors[0].getMessage()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "message queue: publishing again; 3 messages reached only this process's clients meanwhile"
    ]


def test_a_long_outage_keeps_the_newest_messages_for_redis(
    broker: Broker, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(message_queue, "OUTBOX_LIMIT", 3)
    manager, _ = process()
    for n in range(5):
        manager.emit("ticket", {"n": n}, room="board:1")
    manager._send_queued()

    assert [data["n"] for _, data in emits(broker.published)] == [2, 3, 4]
    assert "2 messages reached only this process's clients" in caplog.text


def test_one_batch_that_cannot_be_sent_does_not_stop_the_sender(
    broker: Broker, clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(message_queue, "BATCH_LIMIT", 1)
    manager, _ = process()
    manager._publish({"method": "emit", "event": "ticket", "data": [object()]})  # not JSON
    manager.emit("ticket", {"n": 1}, room="board:1")
    manager._send_queued()

    assert emits(broker.published) == [("ticket", {"n": 1})]
    assert "could not send 1 messages" in caplog.text


def test_places_news_is_one_message_for_the_whole_change(broker: Broker, clock: Clock) -> None:
    manager, _ = process()
    manager.publish_places(site_id=7, seq=42, service_ids=[3, 5])
    manager._send_queued()

    assert broker.published == [
        {
            "method": message_queue.PLACES,
            "site_id": 7,
            "seq": 42,
            "services": [3, 5],
            "host_id": manager.host_id,
        }
    ]


# -- listening -------------------------------------------------------------------------------


def test_the_listener_unpacks_batches_in_order_and_skips_what_is_not_a_message_of_its_channel(
    broker: Broker, clock: Clock
) -> None:
    manager, _ = process()
    first, second, third = ({"method": "emit", "event": "ticket", "n": n} for n in range(3))
    broker.idle_steps.append(
        lambda: [
            broker.deliver(message)
            for message in (
                raw(first, channel="another-app"),
                raw(first, kind="subscribe"),
                raw("{not json"),
                raw({"method": message_queue.BATCH, "messages": [first, second]}),
                raw(third),
            )
        ]
    )
    listening = manager._listen()
    assert [next(listening) for _ in range(3)] == [first, second, third]
    with pytest.raises(Idle):
        next(listening)


def test_places_news_of_another_process_goes_to_the_handler_never_to_clients(
    broker: Broker, clock: Clock
) -> None:
    manager, server = process()
    handled: list[dict[str, Any]] = []
    manager.places_handler = handled.append
    emit = {"method": "emit", "event": "queue", "data": [{}], "host_id": "elsewhere"}
    theirs = {"method": message_queue.PLACES, "site_id": 1, "seq": 9, "host_id": "elsewhere"}
    ours = {**theirs, "seq": 10, "host_id": manager.host_id}
    batch = {"method": message_queue.BATCH, "messages": [theirs, emit, ours, emit]}
    broker.idle_steps.append(lambda: broker.deliver(raw(batch)))

    listening = manager._listen()
    assert [next(listening), next(listening)] == [emit, emit]
    # Worked out in a task of its own (the listener goes on meanwhile); our own news skipped.
    assert server.tasks == [(manager.places_handler, (theirs,))]
    assert handled == []

    manager.places_handler = None  # an app without phones' places: the news is dropped
    broker.idle_steps.append(lambda: broker.deliver(raw(theirs)))
    with pytest.raises(Idle):
        next(listening)
    assert len(server.tasks) == 1


def test_a_change_in_one_process_reaches_the_room_in_another_once_and_in_order(
    broker: Broker, clock: Clock
) -> None:
    one, one_server = process(("eio-a", "board:1"))
    other, other_server = process(("eio-b", "board:1"), ("eio-c", "board:2"))
    for code in ("A-001", "A-002", "A-003"):
        one.emit("ticket", {"code": code}, room="board:1")
    one.emit("ticket", {"code": "B-001"}, room="board:2")

    # The other process listens; while it waits, the first one's sender runs.
    broker.idle_steps.append(one._send_queued)
    with pytest.raises(Idle):
        other._thread()  # python-socketio's listener loop, over our _listen
    assert other_server.sent == [
        ("eio-b", ["ticket", {"code": "A-001"}]),
        ("eio-b", ["ticket", {"code": "A-002"}]),
        ("eio-b", ["ticket", {"code": "A-003"}]),
        ("eio-c", ["ticket", {"code": "B-001"}]),
    ]

    # Its own messages come back to the first process too: its clients do not hear them twice.
    broker.idle_steps.append(lambda: broker.deliver(raw(broker.published[0])))
    with pytest.raises(Idle):
        one._thread()
    assert [data["code"] for _, (_, data) in one_server.sent] == ["A-001", "A-002", "A-003"]


def test_after_a_cut_the_listener_comes_back_and_drops_its_clients_to_resync(
    broker: Broker, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    manager, _ = process(("eio-1", "board:1"), ("eio-2", "ticket:x"))
    manager.server.eio.sockets["eio-broken"] = FakeSocket(broken=True)
    before = {"method": "emit", "event": "ticket", "n": 1}
    after = {"method": "emit", "event": "ticket", "n": 2}

    def cut_for(attempts: int) -> Callable[[], None]:
        def step() -> None:
            broker.cut()
            broker.refusals = attempts

        return step

    broker.idle_steps.extend(
        [lambda: broker.deliver(raw(before)), cut_for(2), lambda: broker.deliver(raw(after))]
    )
    listening = manager._listen()
    assert next(listening) == before
    sockets = manager.server.eio.sockets
    assert all(not s.closes for s in sockets.values())  # the first subscription drops nobody

    assert next(listening) == after  # after two refused attempts, subscribed again
    assert clock.slept == [0.25, 0.5, 1.0]
    transport_close = FakeEngineIO.reason.TRANSPORT_CLOSE
    for eio_sid in ("eio-1", "eio-2"):  # a broken one did not keep the others stale
        assert sockets[eio_sid].closes == [
            {"wait": False, "abort": True, "reason": transport_close}
        ]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len([e for e in errors if "cannot listen" in e]) == 1  # once per outage
    assert "could not drop a client connection" in errors[-1]
    assert "listening again" in caplog.text

    # The next cut starts again from the shortest delay.
    broker.idle_steps.append(cut_for(0))
    with pytest.raises(Idle):
        next(listening)
    assert clock.slept == [0.25, 0.5, 1.0, 0.25]
    assert len(sockets["eio-1"].closes) == 2


def test_an_ended_subscription_counts_as_a_cut_and_retries_double_up_to_two_seconds(
    broker: Broker, clock: Clock
) -> None:
    manager, _ = process(("eio-1", "board:1"))
    closes = manager.server.eio.sockets["eio-1"].closes

    def end() -> None:
        broker.subscriptions[0].ended = True

    def cut_for_a_while() -> None:
        broker.cut()
        broker.refusals = 6

    dropped_when_listening_again: list[int] = []
    broker.idle_steps.extend(
        [end, lambda: dropped_when_listening_again.append(len(closes)), cut_for_a_while]
    )
    listening = manager._listen()
    with pytest.raises(Idle):
        next(listening)

    # Ended: subscribed again at once, and its clients resynced (they may have missed news).
    assert dropped_when_listening_again == [1] and closes[0]["abort"] is True
    # Cut, then refused six times: the delays double up to two seconds, never longer.
    assert clock.slept == [0.25, 0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]
    assert len(closes) == 2
    assert broker.subscriptions == []  # every subscription it opened was closed
