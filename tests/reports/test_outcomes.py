"""Issue 18, part 2: the daily report counts the outcomes of the services per service, counter
and clerk, with the incomplete-documents rate; every figure is recomputed here from the event
log (the finish events' detail), and the page and the CSV show the same."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Counter as CounterRow
from queue_app.models import Service, TicketEvent, User
from tests.conftest import Hall
from tests.helpers import signed_in
from tests.web.conftest import API, Api

OUTCOMES = ("completed", "incomplete_documents", "referred", "other")


@pytest.fixture
def api(app: Flask, client: FlaskClient, hall: Hall) -> Api:
    return Api(app, client, hall)


def play(api: Api) -> str:
    """Counter 1 (clerk1, A first) and counter 2 (clerk2, B first) serve eight tickets with
    every outcome, one a finish without a body; one more is a no-show (no outcome)."""
    hall = api.hall
    for _ in range(5):
        api.issue("A")
    for _ in range(4):
        api.issue("B")
    api.ok(api.counter(hall.counter_1, "open", "clerk1"))
    api.ok(api.counter(hall.counter_2, "open", "clerk2"))
    plan = {
        hall.counter_1: (
            "clerk1",
            [None, "incomplete_documents", "incomplete_documents", "referred", "other"],
        ),
        hall.counter_2: ("clerk2", ["completed", "incomplete_documents", "no-show", "other"]),
    }
    for counter_id, (clerk, outcomes) in plan.items():
        for outcome in outcomes:
            ticket = api.called(counter_id, clerk)
            if outcome == "no-show":
                api.ok(api.act(ticket["id"], "no-show", clerk))
                continue
            body = None if outcome is None else {"outcome": outcome, "note": "catatan"}
            api.ok(api.act(ticket["id"], "finish", clerk, json=body))
    return str(api.board()["service_day"])


def from_the_log(app: Flask) -> dict[tuple[str, Any], Counter[str]]:
    """Outcome counts per (group, key), read from the finish events alone."""
    with app.app_context():
        services = dict(db.session.execute(select(Service.id, Service.code)).all())
        counters = dict(db.session.execute(select(CounterRow.id, CounterRow.number)).all())
        users = dict(db.session.execute(select(User.id, User.username)).all())
        rows = db.session.execute(
            select(
                TicketEvent.service_id,
                TicketEvent.counter_id,
                TicketEvent.staff_id,
                TicketEvent.detail,
            ).where(TicketEvent.action == "finish")
        ).all()
    counts: dict[tuple[str, Any], Counter[str]] = {}
    for service_id, counter_id, staff_id, detail in rows:
        outcome = (detail or {}).get("outcome", "completed")
        for key in (
            ("total", ""),
            ("service", services[service_id]),
            ("counter", counters[counter_id]),
            ("staff", users[staff_id]),
        ):
            counts.setdefault(key, Counter())[outcome] += 1
    return counts


def test_outcomes_per_service_counter_and_clerk_match_the_event_log(app: Flask, api: Api) -> None:
    day = play(api)
    expected = from_the_log(app)
    assert expected[("total", "")] == Counter(
        completed=2, incomplete_documents=3, referred=1, other=2
    )
    report = api.ok(api.get(f"{API}/reports/daily", query_string={"date": day}, user="super"))
    groups = [("total", "", report["totals"])]
    groups += [("service", s["code"], s) for s in report["services"]]
    groups += [("counter", c["number"], c) for c in report["counters"]]
    groups += [("staff", s["username"], s) for s in report["staff"]]
    for kind, key, figures in groups:
        counts = expected.get((kind, key), Counter())
        assert figures["outcomes"] == {o: counts[o] for o in OUTCOMES}, (kind, key)
        served = sum(counts.values())
        assert figures["served"] == served
        rate = round(counts["incomplete_documents"] / served, 4) if served else None
        assert figures["incomplete_documents_rate"] == rate, (kind, key)
    assert report["totals"]["incomplete_documents_rate"] == round(3 / 8, 4)

    # The aggregates CSV has the same counts and rate for every group.
    page = signed_in(app, "super")
    text = page.get("/admin/reports/aggregates.csv", query_string={"date": day}).get_data(
        as_text=True
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        if row["group"] == "hour":
            continue
        key: Any = int(row["key"]) if row["group"] == "counter" else row["key"]
        counts = expected.get((row["group"], key), Counter())
        assert [int(row[f"outcome_{o}"]) for o in OUTCOMES] == [counts[o] for o in OUTCOMES]
        served = sum(counts.values())
        assert row["incomplete_documents_rate"] == (
            str(round(counts["incomplete_documents"] / served, 4)) if served else ""
        )
    tickets = page.get("/admin/reports/tickets.csv", query_string={"date": day}).get_data(
        as_text=True
    )
    shown = Counter(r["outcome"] for r in csv.DictReader(io.StringIO(tickets.lstrip("\ufeff"))))
    assert shown == Counter(completed=2, incomplete_documents=3, referred=1, other=2, **{"": 1})

    # The page: the rate in the summary, a row per clerk.
    html = page.get("/admin/reports", query_string={"date": day}).get_data(as_text=True)
    assert 'id="total-incomplete-rate">37,5 %' in html
    assert 'data-group="staff" data-key="clerk1"' in html
    assert 'data-group="staff" data-key="clerk2"' in html
