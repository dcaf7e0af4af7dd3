"""Notifications through the outbox (issue 17): how many messages a second one delivery worker
takes from the outbox to a local gateway, and what writing the outbox adds to an issue.

1. **Writing.** `--messages` tickets are issued through the verbs (`services.tickets`, in one
   process, each in its own commit as a kiosk's request is), half with a number to notify and
   half without, on the one-hall demo's services without a quota: the time per issue with and
   without its outbox row.
2. **Delivering.** One `notify.worker.Worker` (the loop each server process runs, one at a time
   by the lease) delivers them to a local receiver (a threading HTTP server answering 200 at
   once, or after `--gateway-ms`), and the run reports messages per second and the time from a
   message's commit to the gateway's answer. Every message must arrive once, signed.

    python -m bench.notify                       # SQLite, 2,000 issues
    python -m bench.notify --database postgres --messages 5000 --gateway-ms 20
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import func, select

from queue_app import create_app
from queue_app.demo import seed_demo
from queue_app.domain.vocabulary import Channel
from queue_app.extensions import db
from queue_app.models import Notification, Service
from queue_app.notify.crypto import Sealer
from queue_app.notify.worker import Worker
from queue_app.services import tickets
from queue_app.services.notifications import Contact

from .common import log, machine, summary, workdir, write_result
from .fanout import database

SECRET = "bench-notify-secret"


@contextmanager
def gateway(delay_s: float) -> Iterator[tuple[str, list[tuple[float, dict[str, Any]]]]]:
    """A local gateway: records (arrival time, body) of each signed message it accepts."""
    received: list[tuple[float, dict[str, Any]]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = dict(i.split("=", 1) for i in self.headers["X-Loket-Signature"].split(","))
            expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + raw, hashlib.sha256)
            good = hmac.compare_digest(expected.hexdigest(), parts["v1"])
            if delay_s:
                time.sleep(delay_s)
            if good:
                with lock:
                    received.append((time.time(), json.loads(raw)))
            self.send_response(200 if good else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def run(db_kind: str, messages: int, gateway_ms: float) -> dict[str, Any]:
    with (
        workdir("notify") as directory,
        database(db_kind, directory) as url,
        gateway(gateway_ms / 1000) as (hook, received),
    ):
        config = {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret",
            "SOCKETIO_ASYNC_MODE": "threading",
            "REDIS_URL": None,
            "NOTIFY_ENABLED": True,
            "NOTIFY_WEBHOOK_URL": hook,
            "NOTIFY_WEBHOOK_SECRET": SECRET,
            "NOTIFY_IN_SERVER": False,
            "PUBLIC_BASE_URL": "https://antrean.example.id",
        }
        app = create_app(config)
        sealer = Sealer(app.config)
        with app.app_context():
            db.create_all()
            seed_demo(db.session, one_hall=True)
            db.session.commit()
            services = list(
                db.session.scalars(
                    select(Service.id).where(Service.daily_quota.is_(None)).order_by(Service.id)
                )
            )
            with_number: list[float] = []
            without: list[float] = []
            log(f"issuing {messages} tickets ({db_kind}), every other one with a number")
            for n in range(messages):
                contact = None
                if n % 2 == 0:
                    number = f"+62812{n:08d}"
                    contact = Contact(
                        sealer.seal(number),
                        sealer.recipient_key(number),
                        "id",
                        config["PUBLIC_BASE_URL"],
                    )
                started = time.perf_counter()
                tickets.issue_ticket(
                    db.session, services[n % len(services)], channel=Channel.API, contact=contact
                )
                db.session.commit()
                (with_number if contact else without).append((time.perf_counter() - started) * 1000)
            written = db.session.scalar(select(func.count()).select_from(Notification))
            engine = db.engine
        log(f"{written} messages in the outbox; one worker delivers them")
        worker = Worker(engine, app.config)
        started_at = time.time()
        started = time.perf_counter()
        while worker.run_once():
            pass
        wall = time.perf_counter() - started
        worker.release_lease()
        with app.app_context():
            rows = {m.id: m.created_at for m in db.session.scalars(select(Notification))}
            states = dict(
                db.session.execute(
                    select(Notification.state, func.count()).group_by(Notification.state)
                ).all()
            )
            db.engine.dispose()
    ids = [body["id"] for _, body in received]
    assert len(ids) == len(set(ids)) == len(rows), "every message once"
    assert states == {"sent": len(rows)}, states
    # Written (committed) → answered by the gateway, for the messages written after the worker
    # started would be 0; all were written before, so this is the queueing delay of a burst.
    lag = [
        at - max(rows[b["id"]].replace(tzinfo=UTC).timestamp(), started_at) for at, b in received
    ]
    return {
        "database": db_kind,
        "messages": len(rows),
        "gateway_ms": gateway_ms,
        "delivered_per_s": round(len(rows) / wall, 1),
        "deliver_wall_s": round(wall, 2),
        "burst_lag_s": summary(lag, 2),
        "issue_ms_with_number": summary(with_number, 2),
        "issue_ms_without": summary(without, 2),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--messages", type=int, default=2000, help="tickets to issue")
    parser.add_argument("--gateway-ms", type=float, default=0.0, help="the gateway's answer time")
    args = parser.parse_args(argv)
    result = run(args.database, args.messages, args.gateway_ms)
    path = write_result(f"notify-{args.database}-g{args.gateway_ms:g}", result)
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))
    log(f"written {path}")


if __name__ == "__main__":
    main()
