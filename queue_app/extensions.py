"""Flask extensions, created once and bound to an app in `create_app`."""

from __future__ import annotations

import logging
from typing import Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .models.base import Base

log = logging.getLogger(__name__)

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: WAL (readers never block the writer), foreign keys, wait for locks.

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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin_immediate(conn: Any) -> None:
    """SQLite: every transaction takes the write lock when it starts (BEGIN IMMEDIATE).

    A deferred transaction that read first and writes later fails at once with SQLITE_BUSY
    when another writer got in between; starting immediate makes concurrent writers queue on
    busy_timeout instead, which is what keeps numbering and calls serial on SQLite.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


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
