"""The availability floor: the least a Flask + SQLAlchemy app can do to answer a service day's
availability from the database on every request. One statement (the day's sessions and their
places, Loket's own `booking_sessions` rows, through the same unique index), then JSON. No rate
limiter, no security headers, no rules, no read model. Served by the same gunicorn gevent
worker and settings as Loket (`bench.servers.availability_floor`); `bench.booking` polls it
with the same clients as Loket's `GET /api/v1/booking/availability` (docs/benchmarks.md).

    DATABASE_URL=sqlite:////tmp/loket.db gunicorn bench.availability_floor_app:app
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, jsonify, request
from sqlalchemy import create_engine, text

SQL = text(
    "SELECT id, starts_at, ends_at, COALESCE(capacity_override, capacity), taken "
    "FROM booking_sessions WHERE service_id = :service AND day = :day ORDER BY starts_at"
)

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))


@app.get("/health")
def health() -> Any:
    return {"ok": True}


@app.get("/availability")
def availability() -> Any:
    service, day = int(request.args["service"]), request.args["date"]
    with engine.connect() as conn:
        rows = conn.execute(SQL, {"service": service, "day": day}).all()
    return jsonify(
        {
            "service": service,
            "date": day,
            "sessions": [
                {
                    "id": i,
                    "starts_at": str(start),
                    "ends_at": str(end),
                    "capacity": places,
                    "left": max(0, places - taken),
                }
                for i, start, end, places, taken in rows
            ],
        }
    )
