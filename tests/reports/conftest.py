"""A small fixed day at a hall with a cap of 3 and a quota of 4 on service A, played over HTTP
with a frozen clock; every figure of its report is worked out by hand in test_fixed_day.py.

Local times (Asia/Jakarta, 15 June 2026); c1 = counter 1 (A, then B), c2 = counter 2 (B, then A):

08:00 A-001 issued          08:10    c1 calls A-001          08:16    c1 finishes A-001 (A-004 in)
08:01 A-002 issued, elderly 08:10:30 c2 calls B-001          08:17    c1 calls A-004
08:02 B-001 issued (full)   08:11    c1 starts A-001         08:18:20 c2 finishes A-003
08:03 A-003 waits outside   08:12:30 c2: B-001 no-show       08:19    c1 finishes A-004 (no start)
08:04 A-004 waits outside            (A-003 comes in)        08:20    c1 calls A-002
08:05 A refused: quota      08:13    c2 calls A-003          08:20:30 c1 recalls A-002
                            08:14    c2 sends A-003 to B     08:21    c1 starts A-002
                            08:15    c2 calls A-003 (in B)   08:26    c1 finishes A-002
                            08:15:20 c2 starts A-003         08:30    B-002 issued; 08:31 cancelled
09:05 B-003 issued; it is still waiting when the day closes (00:05 the next day: expired).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db
from tests.conftest import Hall, build_hall
from tests.web.conftest import API, Api, assert_error

JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 6, 15)


def local(hour: int, minute: int, second: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=JAKARTA)


@dataclass
class FixedDay:
    """The played day: the hall and the ticket ids by code."""

    app: Flask
    api: Api
    hall: Hall
    ids: dict[str, int]


def play_fixed_day(app: Flask, client: FlaskClient) -> FixedDay:
    with app.app_context():
        hall = build_hall(capacity=3, quota=4)
        db.session.commit()
    api = Api(app, client, hall)
    for user in ("clerk1", "clerk2", "super"):
        api.auth(user)  # tokens made before the clock is frozen
    ids: dict[str, int] = {}
    c1, c2 = hall.counter_1, hall.counter_2

    def at(hour: int, minute: int, second: int = 0) -> time_machine.travel:
        return time_machine.travel(local(hour, minute, second), tick=False)

    def issue(code: str, service: str, **extra: object) -> None:
        ticket = api.issue(service, **extra)
        assert ticket["code"] == code
        ids[code] = ticket["id"]

    def called(counter: int, user: str, code: str) -> None:
        assert api.called(counter, user)["code"] == code

    def act(code: str, verb: str, user: str, **kwargs: object) -> None:
        api.ok(api.act(ids[code], verb, user, **kwargs))

    with at(8, 0):
        issue("A-001", "A")
    with at(8, 1):
        issue("A-002", "A", priority="elderly")
    with at(8, 2):
        issue("B-001", "B")
    with at(8, 3):
        issue("A-003", "A")
    with at(8, 4):
        issue("A-004", "A")
    with at(8, 5):
        assert_error(api.post(f"{API}/tickets", json={"service": "A"}), 409, "quota_reached")
    with at(8, 10):
        called(c1, "clerk1", "A-001")
    with at(8, 10, 30):
        called(c2, "clerk2", "B-001")
    with at(8, 11):
        act("A-001", "start", "clerk1")
    with at(8, 12, 30):
        act("B-001", "no-show", "clerk2")
    with at(8, 13):
        called(c2, "clerk2", "A-003")
    with at(8, 14):
        act("A-003", "transfer", "clerk2", json={"service": "B"})
    with at(8, 15):
        called(c2, "clerk2", "A-003")
    with at(8, 15, 20):
        act("A-003", "start", "clerk2")
    with at(8, 16):
        act("A-001", "finish", "clerk1")
    with at(8, 17):
        called(c1, "clerk1", "A-004")
    with at(8, 18, 20):
        act("A-003", "finish", "clerk2")
    with at(8, 19):
        act("A-004", "finish", "clerk1")
    with at(8, 20):
        called(c1, "clerk1", "A-002")
    with at(8, 20, 30):
        act("A-002", "recall", "clerk1")
    with at(8, 21):
        act("A-002", "start", "clerk1")
    with at(8, 26):
        act("A-002", "finish", "clerk1")
    with at(8, 30):
        issue("B-002", "B")
    with at(8, 31):
        act("B-002", "cancel", "super")
    with at(9, 5):
        issue("B-003", "B")
    with time_machine.travel(local(0, 5, day=DAY + timedelta(days=1)), tick=False):
        result = app.test_cli_runner().invoke(args=["close-day"])
        assert result.exit_code == 0, result.output
    return FixedDay(app, api, hall, ids)


@pytest.fixture
def fixed_day(app: Flask, client: FlaskClient) -> Iterator[FixedDay]:
    yield play_fixed_day(app, client)
