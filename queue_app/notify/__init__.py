"""Delivering notifications to the SMS/WhatsApp gateway (issue 17).

Not a service (services/ never commit) and not realtime (broadcast.py is the only Socket.IO
emitter; this speaks HTTP to a gateway): a background job that owns its own transactions, like
the CLI. The outbox it reads is written by services/notifications.py, inside each change.

- crypto.py: numbers at rest (Fernet, NOTIFY_KEY)
- webhook.py: the binding request (payload, signature, POST)
- worker.py: the lease and the delivery loop, in the server (a greenlet) or alone
  (`flask --app queue_app notify-worker`)
"""

from __future__ import annotations

import os
import threading

from flask import Flask

from ..extensions import db, socketio
from ..security import InsecureConfiguration
from ..services import notifications
from .crypto import check_key

_started: dict[int, bool] = {}
_start_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Notifications on (NOTIFY_ENABLED, by default when NOTIFY_WEBHOOK_URL is set): the
    outbox is written, and the server delivers it from its first request on."""
    if not app.config.get("NOTIFY_ENABLED"):
        return
    if app.config.get("PRODUCTION"):
        missing = [
            name for name in ("NOTIFY_KEY", "NOTIFY_WEBHOOK_SECRET") if not app.config.get(name)
        ]
        if missing:
            raise InsecureConfiguration(
                "Loket refuses to start in production (LOKET_ENV=production) with "
                f"notifications on and {' and '.join(missing)} unset. Set NOTIFY_KEY to a "
                "Fernet key (`python3 -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`) and NOTIFY_WEBHOOK_SECRET to the "
                "secret shared with the gateway."
            )
    problem = check_key(app.config)
    if problem:
        raise InsecureConfiguration(f"Loket refuses to start: {problem}")
    with app.app_context():
        notifications.switch_on(db.engine)
    if app.config.get("NOTIFY_IN_SERVER") and not app.testing:
        app.before_request(lambda: start_in_server(app))


def start_in_server(app: Flask) -> None:
    """Start this process's delivery loop once (a greenlet under gevent)."""
    pid = os.getpid()
    if _started.get(pid):
        return
    with _start_lock:
        if _started.get(pid):
            return
        _started[pid] = True
    from .worker import Worker

    with app.app_context():
        worker = Worker(db.engine, app.config)
    socketio.start_background_task(worker.run_forever)
