"""The issue floor: the least a Flask + SQLAlchemy app can do to issue a numbered ticket safely.

One transaction, three statements: the day counter advanced with `UPDATE … RETURNING` (created
on a day's first ticket), the ticket and its event inserted. No hall, no admission, no broadcast,
no estimates. Served by the same gunicorn gevent worker and settings as Loket
(`bench.servers.issue_floor`); on SQLite it takes the write lock at BEGIN (WAL) as Loket does.
`bench.issue --floor` issues against it with the same kiosks as against Loket, so the ratio of
server CPU per ticket says what Loket's hall costs on top of the stack (docs/benchmarks.md).

    DATABASE_URL=sqlite:////tmp/floor.db gunicorn bench.issue_floor_app:app
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, event, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class DayCounter(Base):
    __tablename__ = "day_counters"
    service: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(3))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if "sqlite3" in type(dbapi_connection).__module__:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ.get("DATABASE_URL", "sqlite:////tmp/loket-issue-floor.db")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    with app.app_context():
        db.create_all()

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.post("/api/v1/tickets")
    def issue() -> Any:
        service = str((request.get_json(silent=True) or {}).get("service", "A"))[:3]
        now = datetime.now(UTC)
        today = now.date()
        session = db.session
        number = session.execute(
            update(DayCounter)
            .where(DayCounter.service == service, DayCounter.day == today)
            .values(last_number=DayCounter.last_number + 1)
            .returning(DayCounter.last_number),
            execution_options={"synchronize_session": False},
        ).scalar()
        if number is None:  # the day's first ticket of this service
            number = 1
            session.execute(insert(DayCounter).values(service=service, day=today, last_number=1))
        code = f"{service}-{number:03d}"
        token = secrets.token_urlsafe(24)
        ticket_id = session.execute(
            insert(Ticket)
            .values(
                service=service, day=today, number=number, code=code, token=token, issued_at=now
            )
            .returning(Ticket.id)
        ).scalar_one()
        session.execute(insert(TicketEvent).values(ticket_id=ticket_id, action="issue", at=now))
        session.commit()
        return jsonify({"id": ticket_id, "code": code, "number": number, "token": token}), 201

    return app


app = create_app()
