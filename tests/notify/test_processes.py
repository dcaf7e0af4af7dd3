"""Two server processes on one PostgreSQL database deliver each message once (issue 17): both
run the delivery loop (NOTIFY_IN_SERVER), one holds the lease at a time, and a real gateway
receives every message of tickets issued through either process exactly once."""

from __future__ import annotations

import time

import requests
from sqlalchemy import create_engine, text

from ..integration.live import gunicorn_server
from .conftest import SECRET
from .receiver import running_receiver, verify

TICKETS = 24


def test_two_server_processes_on_postgresql_deliver_each_message_once(
    postgres_schema_url: str,
) -> None:
    with running_receiver() as receiver:
        env = {
            "NOTIFY_ENABLED": "true",
            "NOTIFY_WEBHOOK_URL": receiver.url,
            "NOTIFY_WEBHOOK_SECRET": SECRET,
            # Generous: a retry after a slow answer is a legitimate second delivery, and this
            # test is about the two processes, not timeouts.
            "NOTIFY_TIMEOUT_S": "10",
        }
        with (
            gunicorn_server(postgres_schema_url, extra_env=env) as first,
            gunicorn_server(postgres_schema_url, extra_env=env, prepared=True) as second,
        ):
            for n in range(TICKETS):
                base = (first, second)[n % 2]
                response = requests.post(
                    f"{base}/api/v1/tickets",
                    json={"service": "A", "phone": f"0812-1000-{n:04d}"},
                    timeout=10,
                )
                assert response.status_code == 201, response.text
            engine = create_engine(postgres_schema_url)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with engine.connect() as connection:
                        states = dict(
                            connection.execute(
                                text("SELECT state, count(*) FROM notifications GROUP BY state")
                            ).all()
                        )
                    if states == {"sent": TICKETS}:
                        break
                    time.sleep(0.2)
                with engine.connect() as connection:
                    ids = {
                        row[0] for row in connection.execute(text("SELECT id FROM notifications"))
                    }
                    holders = connection.execute(text("SELECT count(*) FROM leases")).scalar()
            finally:
                engine.dispose()
            time.sleep(1.0)  # a second delivery, if any, would arrive now
    assert states == {"sent": TICKETS}
    received = [r.body["id"] for r in receiver.received]
    assert sorted(received) == sorted(ids)  # each message, once
    assert holders == 1  # one lease row: one deliverer at a time
    for got in receiver.received:
        assert verify(SECRET, got.headers["x-loket-signature"], got.raw, time.time())
