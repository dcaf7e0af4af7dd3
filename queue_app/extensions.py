"""Flask extensions, created once and bound to an app in `create_app`."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import g, has_app_context, has_request_context, request
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from .models.base import Base

log = logging.getLogger(__name__)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()


#: How long SQLite may wait inside C for a lock (ms). Short on purpose: a wait inside SQLite
#: blocks the whole gevent hub, so the greenlet holding the lock could never run to release it.
#: Writers of this process queue on a Python lock instead (gevent-aware once gunicorn's worker
#: has patched `threading`), and BEGIN IMMEDIATE against another process retries with a sleep.
SQLITE_BUSY_MS = 20
#: How long a writer waits for the write lock in all before it gives up ("database is locked").
SQLITE_WRITE_WAIT_S = 30.0
#: HTTP methods whose requests only read: their transactions never take the write lock.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Execution option of a connection that only reads (the hall snapshots: services/snapshots.py).
READ_ONLY = "loket_read_only"

_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()
_WRITE_FLAG = "loket_write_lock"


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: WAL (readers never block the writer, nor it them), foreign keys, a short busy
    wait (see SQLITE_BUSY_MS).

    pysqlite's own transaction handling is switched off (isolation_level=None) so that the
    `begin` hook below decides how a transaction starts.
    """
    module = type(dbapi_connection).__module__
    if "sqlite3" not in module:
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun within may write, whatever the request's method (on SQLite they take
    the write lock when they begin). End the request's reading transaction first."""
    before = g.get("loket_writing")
    g.loket_writing = True
    try:
        yield
    finally:
        g.loket_writing = before


def reads_only_from_now() -> None:
    """After the request's one commit: from here on it only reads, so its transactions start
    deferred on SQLite and never take the write lock again (`reads_only`)."""
    if has_app_context():
        g.loket_reads_only = True


def reads_only(conn: Any) -> bool:
    """Whether a transaction starting on `conn` only reads: a connection marked READ_ONLY, a
    socket handler (`g.loket_reads_only`), or a request with a safe method. Everything else
    (POST requests, CLI commands, tests' sessions) may write, as may a transaction begun
    inside `writing()` (a GET that records something, e.g. a device seen)."""
    if has_app_context() and g.get("loket_writing"):
        return False
    if conn.get_execution_options().get(READ_ONLY):
        return True
    if has_app_context() and g.get("loket_reads_only"):
        return True
    return has_request_context() and request.method in READ_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """SQLite: a transaction that reads only starts deferred (under WAL it reads a consistent
    snapshot and never waits); one that may write takes the write lock when it starts.

    A deferred transaction that read first and writes later fails at once with SQLITE_BUSY
    when another writer got in between; starting immediate makes concurrent writers queue
    instead, which is what keeps numbering and calls serial on SQLite. They queue first on this
    process's lock for the database file (a greenlet waiting there lets the holder finish), then
    on BEGIN IMMEDIATE, retried with a sleep while another process holds the file.
    """
    if conn.dialect.name != "sqlite":
        return
    if reads_only(conn):
        conn.exec_driver_sql("BEGIN")
        return
    lock = _write_lock(str(conn.engine.url.database))
    deadline = time.monotonic() + SQLITE_WRITE_WAIT_S
    if not lock.acquire(timeout=SQLITE_WRITE_WAIT_S):
        raise OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        )
    conn.info[_WRITE_FLAG] = lock
    pause = 0.001
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                _release_write_lock(conn.info)
                raise
        time.sleep(pause)  # cooperative under gevent: the holder runs meanwhile
        pause = min(pause * 2, 0.05)


def _write_lock(database: str) -> threading.Lock:
    """This process's lock for writers of one SQLite file (made on first use, after gevent
    patched `threading` in a gunicorn worker)."""
    with _write_locks_guard:
        lock = _write_locks.get(database)
        if lock is None:
            lock = _write_locks[database] = threading.Lock()
        return lock


def _release_write_lock(info: dict[Any, Any]) -> None:
    lock = info.pop(_WRITE_FLAG, None)
    if lock is not None:
        lock.release()


@event.listens_for(Engine, "commit")
def _sqlite_commit(conn: Any) -> None:
    """A writer commits, then lets the next one in. SQLAlchemy fires this just before it asks
    the driver to commit; committing here (the driver's commit then has nothing left to do)
    means the lock is released only once the data is on disk, so the next writer never finds
    the file still locked."""
    if conn.dialect.name == "sqlite" and _WRITE_FLAG in conn.info:
        conn.connection.driver_connection.execute("COMMIT")
        _release_write_lock(conn.info)


@event.listens_for(Engine, "rollback")
def _sqlite_rollback(conn: Any) -> None:
    # The dialect first: `conn.info` of an invalidated PostgreSQL connection raises.
    if conn.dialect.name == "sqlite" and _WRITE_FLAG in conn.info:
        try:
            driver = conn.connection.driver_connection
            if driver is not None and driver.in_transaction:
                driver.execute("ROLLBACK")
        except sqlite3.Error:
            log.warning("SQLite rollback failed; the connection is dropped", exc_info=True)
        finally:
            _release_write_lock(conn.info)


@event.listens_for(Pool, "checkin")
def _sqlite_checkin(_dbapi_connection: Any, record: Any) -> None:
    """A connection back in the pool holds no transaction: never let it keep the lock (a
    connection invalidated mid-transaction ends without a rollback event)."""
    if record is not None:
        _release_write_lock(record.info)


def rollback_session() -> None:
    """Roll back this request's (or app context's) session, even when its database connection
    died under it. The first ROLLBACK then fails and marks the connection invalid; the second
    succeeds without the database, and the session stays usable: its next query reconnects, or
    raises OperationalError (a 503) while the database is still gone. Never raises a database
    error."""
    session = db.session()
    try:
        session.rollback()
    except SQLAlchemyError:
        log.warning("database connection lost; rolling back without it")
        try:
            session.rollback()
        except SQLAlchemyError:
            session.invalidate()


def db_session() -> Session:
    """This request's (or app context's) Session: the object behind Flask-SQLAlchemy's
    scoped proxy, typed as the plain Session the services take."""
    return db.session()
