"""The delivery worker: reads the outbox after the commit and POSTs each message to the
gateway, one recipient's messages in the order they were written.

Only the holder of the `notify` lease (a row of `leases`) delivers, so with several processes
(gunicorn workers, a separate `notify-worker`) one delivers at a time; a holder that dies stops
renewing it and another takes over after LEASE_S. A message is marked sent only after the
gateway's 2xx, in its own commit: a crash between the two sends it again, with the same id
(at-least-once; the receiver de-duplicates on `Idempotency-Key`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ..domain import notify
from ..models import Lease, Notification, NotificationSettings
from ..services import notifications
from ..services.clock import utcnow
from . import webhook
from .crypto import Sealer

log = logging.getLogger(__name__)

LEASE = "notify"
#: A lease not renewed for this long is free for another process (NOTIFY_LEASE_S).
LEASE_S = 30.0
#: Messages looked at per round.
BATCH = 50
#: How often the worker looks for booking reminders that fell due (seconds).
REMIND_EVERY_S = 30.0


def site_gateway(
    session: Session, sealer: Sealer, site_id: int, url: str, secret: str
) -> tuple[str, str]:
    """The gateway of a site and the secret its messages are signed with: the site's own when
    the admin console set one (its secret, without one of its own, the environment's), else
    `url` and `secret` (NOTIFY_WEBHOOK_URL and NOTIFY_WEBHOOK_SECRET)."""
    own = session.get(NotificationSettings, site_id)
    if own is None or not own.webhook_url:
        return url, secret
    opened = sealer.open(own.webhook_secret) if own.webhook_secret else None
    return own.webhook_url, opened or secret


class Worker:
    """Delivers the outbox of one database. `clock` and `rng` are injected for tests."""

    def __init__(
        self,
        engine: Engine,
        config: Mapping[str, Any],
        *,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        holder: str | None = None,
        lease_s: float | None = None,
    ) -> None:
        self.engine = engine
        self.url = str(config.get("NOTIFY_WEBHOOK_URL") or "")
        self.secret = str(config.get("NOTIFY_WEBHOOK_SECRET") or "")
        self.retry_for_s = float(config.get("NOTIFY_RETRY_FOR_S") or 7200)
        self.timeout_s = float(config.get("NOTIFY_TIMEOUT_S") or 10)
        self.sealer = Sealer(config)
        self.clock = clock
        self.rng = rng or random.Random()
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._reminded_at: datetime | None = None
        self.lease_s = float(
            lease_s if lease_s is not None else config.get("NOTIFY_LEASE_S") or LEASE_S
        )

    # -- the lease --------------------------------------------------------------------------

    def take_lease(self, session: Session) -> bool:
        """Take or renew the delivery lease; False while another process holds it."""
        now = self.clock()
        until = now + timedelta(seconds=self.lease_s)
        result = session.execute(
            update(Lease)
            .where(Lease.name == LEASE, or_(Lease.holder == self.holder, Lease.expires_at < now))
            .values(holder=self.holder, expires_at=until)
        )
        taken = getattr(result, "rowcount", 0)
        if not taken:
            if session.get(Lease, LEASE) is not None:
                session.commit()
                return False
            session.add(Lease(name=LEASE, holder=self.holder, expires_at=until))
            try:
                session.commit()
            except IntegrityError:  # another process inserted it first
                session.rollback()
                return False
            return True
        session.commit()
        return True

    def release_lease(self) -> None:
        """Give the lease up (a clean stop), so another process need not wait for it."""
        with Session(self.engine) as session:
            session.execute(
                update(Lease)
                .where(Lease.name == LEASE, Lease.holder == self.holder)
                .values(expires_at=self.clock() - timedelta(seconds=1))
            )
            session.commit()

    # -- delivery ---------------------------------------------------------------------------

    def gateway(self, session: Session, site_id: int) -> tuple[str, str]:
        """Where a site's messages go and the secret they are signed with."""
        return site_gateway(session, self.sealer, site_id, self.url, self.secret)

    def due(self, session: Session, now: datetime) -> list[Notification]:
        """The messages to try now: per recipient only its oldest pending one, if it is due
        (a later one waits until the earlier is sent or dead)."""
        pending = session.scalars(
            select(Notification)
            .where(Notification.state.in_(notify.PENDING))
            .order_by(Notification.seq)
            .limit(BATCH * 4)
        )
        seen: set[str] = set()
        due = []
        for message in pending:
            key = message.recipient_key or message.id
            if key in seen:
                continue
            seen.add(key)
            if message.next_try_at <= now:
                due.append(message)
        return due[:BATCH]

    def remind(self, session: Session) -> int:
        """Write the booking reminders now due (services/notifications.write_reminders), at
        most every REMIND_EVERY_S: only the lease holder does, so each is written once."""
        now = self.clock()
        if self._reminded_at is not None and (now - self._reminded_at).total_seconds() < (
            REMIND_EVERY_S
        ):
            return 0
        self._reminded_at = now
        written = notifications.write_reminders(session, now)
        session.commit()
        return len(written)

    def run_once(self) -> int:
        """One round: take the lease, write the reminders due, then try every due message.
        Returns how many were tried (0 without the lease)."""
        tried = 0
        with Session(self.engine, expire_on_commit=False) as session:
            if not self.take_lease(session):
                return 0
            self.remind(session)
            for message in self.due(session, self.clock()):
                # Renewed before each message: a round longer than the lease keeps it, and a
                # process that lost it (paused past LEASE_S) stops at once.
                if not self.take_lease(session):
                    break
                self.deliver(session, message)
                tried += 1
        return tried

    def deliver(self, session: Session, message: Notification) -> None:
        """Try one message and record what happened, in a commit of its own."""
        # Read again: a process that held the lease before this one took it over may have
        # delivered it since this round looked.
        session.refresh(message)
        if message.state not in notify.PENDING or message.next_try_at > self.clock():
            session.commit()
            return
        to = self.sealer.open(message.recipient) if message.recipient else None
        now = self.clock()
        if to is None:
            message.state = notify.State.DEAD.value
            message.last_error = "no readable number (purged, or sealed with another key)"
            session.commit()
            return
        body = webhook.payload(message, to, message.site_id)
        url, secret = self.gateway(session, message.site_id)
        # No transaction stays open while the gateway answers: on SQLite it would hold the
        # write lock (every issue and call would wait), on PostgreSQL a connection.
        session.commit()
        answer = webhook.post(url, secret, body, now, self.timeout_s)
        message.tries += 1
        now = self.clock()
        if answer.delivered:
            message.state = notify.State.SENT.value
            message.sent_at = now
            message.last_error = None
        else:
            outcome = notify.after_failure(
                tries=message.tries,
                created_at=message.created_at,
                now=now,
                retry_for_s=self.retry_for_s,
                status=answer.status,
                retry_after_s=answer.retry_after_s,
                rng=self.rng,
            )
            message.state = outcome.state.value
            message.last_error = (answer.error or "")[: webhook.ERROR_MAX]
            if outcome.retry_at is not None:
                message.next_try_at = outcome.retry_at
        session.commit()

    def run_forever(self, stop: threading.Event | None = None, idle_s: float = 1.0) -> None:
        """Deliver until `stop` is set: a round, then a short sleep when it found nothing."""
        stop = stop or threading.Event()
        try:
            while not stop.is_set():
                try:
                    busy = self.run_once()
                except SQLAlchemyError:
                    log.warning("notify worker: database unavailable, retrying", exc_info=True)
                    busy = 0
                if not busy:
                    stop.wait(idle_s)
        finally:
            with contextlib.suppress(SQLAlchemyError):
                self.release_lease()
