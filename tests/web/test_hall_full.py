"""A full hall over HTTP: the applicant is told to wait outside, sees people ahead and an
estimate, and is let in (and told so on the board) as soon as someone leaves."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db

from ..conftest import build_hall
from ..helpers import bearer


def test_full_hall_issues_outside_then_admits_when_room_frees(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        hall = build_hall(capacity=2)
        db.session.commit()
    issued = [client.post("/api/v1/tickets", json={"service": "A"}).get_json() for _ in range(4)]

    assert [t["admitted"] for t in issued] == [True, True, False, False]
    assert [t["state"] for t in issued] == ["waiting", "waiting", "issued", "issued"]
    assert [t["position"] for t in issued] == [0, 1, 2, 3]
    assert issued[3]["estimated_wait_s"] > issued[2]["estimated_wait_s"] > 0
    board = client.get("/api/v1/board").get_json()
    figures = {k: board["hall"][k] for k in ("capacity", "inside", "outside", "full", "open")}
    assert figures == {"capacity": 2, "inside": 2, "outside": 2, "full": True, "open": True}

    headers = bearer(app, "clerk1")
    called = client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers)
    assert called.get_json()["code"] == "A-001"
    # Being called does not free a place: the applicant is still inside.
    third = client.get(f"/api/v1/tickets/by-token/{issued[2]['token']}").get_json()
    assert third["state"] == "issued" and third["admitted"] is False

    client.post(f"/api/v1/tickets/{called.get_json()['id']}/finish", headers=headers)

    third = client.get(f"/api/v1/tickets/by-token/{issued[2]['token']}").get_json()
    fourth = client.get(f"/api/v1/tickets/by-token/{issued[3]['token']}").get_json()
    assert (third["state"], third["admitted"], third["position"]) == ("waiting", True, 1)
    assert (fourth["state"], fourth["admitted"]) == ("issued", False)
    board = client.get("/api/v1/board").get_json()
    assert board["hall"]["inside"] == 2 and board["hall"]["outside"] == 1
    assert board["recently_admitted"] == ["A-003"]
    page = client.get(f"/t/{issued[3]['token']}").get_data(as_text=True)
    assert "Tunggu di luar" in page
