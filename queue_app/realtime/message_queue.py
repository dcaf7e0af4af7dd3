"""The Socket.IO message queue between Loket processes (Redis), made to survive a Redis restart.

With `REDIS_URL` set, every emit is delivered to this process's own clients at once and published
on Redis for the other processes, whose listener delivers it to theirs. python-socketio's own
`RedisManager` does that; this subclass changes how, for a city's load and for Redis restarts:

- **Requests never wait for Redis.** An emit only queues its message; a background task sends
  what has queued up as one Redis message (a change of a busy hall emits one message per waiting
  phone: one round trip instead of hundreds, and one decoding per receiving process). Its own
  connection has short timeouts; after a failure it drops messages for a second (they reached
  this process's clients only) instead of trying again for each one.
- **The listener comes back quickly.** The stock listener backs off up to 60 s; ours retries
  every 0.25 → 2 s, so broadcasts resume within about two seconds of Redis answering again. It
  also has its own connection (the stock manager shares one between publishing and listening,
  and a publisher's reconnect could replace the listener's subscription under it).
- **Clients resync.** While this process could not listen, its clients missed the other
  processes' news. Once it listens again, it drops their connections (as a network cut would);
  every Socket.IO client reconnects by itself and gets a fresh snapshot — boards, counters and
  phones alike, with no change to the clients.

Every process of a cluster must run this version: an older one ignores the batched messages.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from socketio import RedisManager

log = logging.getLogger(__name__)

#: Seconds to wait for a connection to Redis, and (publishing only) for an answer.
TIMEOUT_S = 2.0
#: After a failed publish, emits stay local for this long before Redis is tried again.
PUBLISH_PAUSE_S = 1.0
#: The listener's retry delays: doubling from the first to the second.
LISTEN_RETRY_S = (0.25, 2.0)
#: Messages sent to Redis as one (a change of a busy hall emits one per waiting phone).
BATCH_LIMIT = 500
#: Messages kept for Redis while it does not answer; beyond this the oldest are dropped.
OUTBOX_LIMIT = 10_000
#: The `method` of a message that carries several: only processes of this version read it.
BATCH = "loket-batch"
#: The `method` of a change's places news: each process tells its own phones their places.
PLACES = "loket-places"


def _keepalive_options() -> dict[int, int]:
    """TCP keepalive for the listening connection: a Redis host that vanished without closing
    the connection is noticed within about half a minute (Linux; elsewhere the OS defaults)."""
    options = {}
    for name, value in (("TCP_KEEPIDLE", 10), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            options[getattr(socket, name)] = value
    return options


class ResilientRedisManager(RedisManager):
    """python-socketio's RedisManager with short timeouts, a quick listener and a resync of this
    process's clients after the listener was cut off (see the module docstring)."""

    name = "redis"

    def __init__(self, url: str, channel: str = "flask-socketio") -> None:
        super().__init__(url, channel=channel, write_only=False)
        self._publisher: redis.Redis | None = None
        self._paused_until = 0.0
        self._dropped = 0
        self._outbox: deque[Any] = deque()
        self._wake = threading.Event()  # gevent-patched under gunicorn
        self._sender_lock = threading.Lock()
        self._sender_started = False
        #: Called (in a background task) with the places news of another process's change.
        self.places_handler: Callable[[dict[str, Any]], None] | None = None

    def _client(self, retries: int, **options: Any) -> redis.Redis:
        return redis.Redis.from_url(
            self.redis_url,
            socket_connect_timeout=TIMEOUT_S,
            retry=Retry(NoBackoff(), retries),
            **options,
        )

    # -- publishing --------------------------------------------------------------------------

    def _publish(self, data: Any) -> None:
        """Queue a message for the other processes (called by every emit, in the request that
        emits, after this process's own clients already have it). A background task sends what
        has queued up as one Redis message, so the request never waits for Redis."""
        if len(self._outbox) >= OUTBOX_LIMIT:
            self._outbox.popleft()  # Redis has been gone a while: keep the newest news
            self._dropped += 1
        self._outbox.append(data)
        if not self._sender_started:
            with self._sender_lock:
                if not self._sender_started:
                    self.server.start_background_task(self._send_forever)
                    self._sender_started = True
        self._wake.set()

    def publish_places(self, site_id: int, seq: int, service_ids: list[int]) -> None:
        """Tell the other processes that these services' places changed at `seq`: one
        message, whatever the number of phones (each process sends its own their places)."""
        self._publish(
            {
                "method": PLACES,
                "site_id": site_id,
                "seq": seq,
                "services": service_ids,
                "host_id": self.host_id,
            }
        )

    def _send_forever(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            self._send_queued()

    def _send_queued(self) -> None:
        """Send what has queued up, oldest first, in batches of at most BATCH_LIMIT."""
        while self._outbox:
            batch: list[Any] = []
            while self._outbox and len(batch) < BATCH_LIMIT:
                batch.append(self._outbox.popleft())
            try:
                self._send(batch)
            except Exception:  # the sender must outlive anything one batch does
                log.exception("message queue: could not send %d messages", len(batch))

    def _send(self, batch: list[Any]) -> None:
        if time.monotonic() < self._paused_until:
            self._dropped += len(batch)
            return
        message = batch[0] if len(batch) == 1 else {"method": BATCH, "messages": batch}
        try:
            if self._publisher is None:
                # One immediate retry on a fresh connection: after a restart the kept one is dead.
                self._publisher = self._client(1, socket_timeout=TIMEOUT_S)
            self._publisher.publish(self.channel, self.json.dumps(message))
        except (redis.RedisError, OSError) as exc:
            self._pause(exc, len(batch))
            return
        if self._dropped:
            log.warning(
                "message queue: publishing again; %d messages reached only this process's "
                "clients meanwhile",
                self._dropped,
            )
            self._dropped = 0

    def _pause(self, exc: Exception, lost: int) -> None:
        if not self._dropped:
            log.error("message queue: cannot publish to Redis (%s); retrying in 1 s", exc)
        self._dropped += lost
        self._paused_until = time.monotonic() + PUBLISH_PAUSE_S
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            # Closing a broken connection may fail too; it is dropped anyway.
            with contextlib.suppress(Exception):
                publisher.close()

    # -- listening (a background task of this process) -----------------------------------------

    def _listen(self) -> Iterator[Any]:
        channel = self.channel.encode("utf-8")
        for message in self._subscription():
            if (
                message.get("channel") != channel
                or message.get("type") != "message"
                or "data" not in message
            ):
                continue
            try:
                data = self.json.loads(message["data"])
            except ValueError:
                continue
            messages = (
                data.get("messages", [])
                if isinstance(data, dict) and data.get("method") == BATCH
                else [data]
            )
            for one in messages:
                if isinstance(one, dict) and one.get("method") == PLACES:
                    self._places_news(one)
                else:
                    yield one

    def _places_news(self, news: dict[str, Any]) -> None:
        """Another process's places news: worked out here, in a task of its own (the listener
        goes on listening meanwhile). Our own news comes back too, and is skipped."""
        if news.get("host_id") == self.host_id or self.places_handler is None:
            return
        self.server.start_background_task(self.places_handler, news)

    def _subscription(self) -> Iterator[dict[str, Any]]:
        """Messages of the channel, forever: reconnects after any failure, and resyncs this
        process's clients once it listens again after having been cut off."""
        delay, cut_off = LISTEN_RETRY_S[0], False
        while True:
            pubsub = None
            try:
                # No silent retry: a reconnect must be noticed, its clients may have missed news.
                listener = self._client(
                    0, socket_keepalive=True, socket_keepalive_options=_keepalive_options()
                )
                pubsub = listener.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(self.channel)
                if cut_off:
                    log.warning("message queue: listening again; clients of this process resync")
                    self._resync_local_clients()
                    cut_off = False
                delay = LISTEN_RETRY_S[0]
                yield from pubsub.listen()
                raise redis.ConnectionError("the subscription ended")
            except Exception as exc:
                if not cut_off:
                    log.error("message queue: cannot listen to Redis (%s); retrying", exc)
                cut_off = True
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):  # it may be broken; it is dropped
                        pubsub.close()
            time.sleep(delay)  # gevent-patched under gunicorn: only this task waits
            delay = min(delay * 2, LISTEN_RETRY_S[1])

    def _resync_local_clients(self) -> None:
        """Drop every connection of this process without a goodbye, as a network cut would:
        clients reconnect by themselves, and every connect brings a fresh snapshot."""
        eio = self.server.eio
        for client in list(eio.sockets.values()):
            try:
                client.close(wait=False, abort=True, reason=eio.reason.TRANSPORT_CLOSE)
            except Exception:  # one broken socket must not keep the others stale
                log.exception("message queue: could not drop a client connection")


def client_manager(url: str | None) -> ResilientRedisManager | None:
    """The Socket.IO client manager for the message queue at `url`; None (one process, no
    queue) without one. Passed on every `socketio.init_app`, because the shared SocketIO object
    keeps options from an earlier app."""
    return ResilientRedisManager(url) if url else None
