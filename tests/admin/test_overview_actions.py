"""The overview can act (issue 13, item 15): a supervisor pauses or closes a counter, moves a
ticket at a counter to another service and reinstates a no-show, through the same JSON API
as the counter terminal — with the overview page's CSRF token, under the API's permission
rules — and the overview hears the change. A clerk may not."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from queue_app.extensions import db, socketio
from queue_app.models import Counter, Site, Ticket
from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser, csrf_token


class Overview:
    """A supervisor's browser on the overview page, acting as overview.js does."""

    def __init__(self, app: Flask, username: str = "super") -> None:
        self.browser = Browser(app, username)
        page = self.browser.get("/admin/overview")
        assert page.status_code == 200
        self.token = csrf_token(page)
        self.config = json.loads(
            page.get_data(as_text=True).split('id="config">', 1)[1].split("</script>", 1)[0]
        )

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.browser.client.post(
            f"/api/v1{path}", json=body or {}, headers={"X-CSRFToken": self.token}
        )


def at_counter(app: Flask, hall: Hall, counter_id: int, clerk: str) -> dict[str, Any]:
    """A ticket of A issued and called at `counter_id` (opened by `clerk`)."""
    api = app.test_client()
    headers = bearer(app, clerk)
    assert api.post(f"/api/v1/counters/{counter_id}/open", headers=headers).status_code == 200
    assert api.post("/api/v1/tickets", json={"service": "A"}).status_code == 201
    called = api.post(f"/api/v1/counters/{counter_id}/call-next", headers=headers)
    assert called.status_code == 200
    return dict(called.get_json())


def counter_state(app: Flask, counter_id: int) -> str:
    with app.app_context():
        counter = db.session.get(Counter, counter_id)
        assert counter is not None
        return counter.state


def ticket(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None
        db.session.expunge(row)
        return row


def test_the_overview_offers_the_actions_with_their_refusals_in_words(
    app: Flask, hall: Hall
) -> None:
    at_counter(app, hall, hall.counter_1, "clerk1")
    overview = Overview(app)
    t = overview.config["t"]
    assert t["pause"] == "Jeda loket" and t["close"] == "Tutup loket" and t["reinstate"]
    assert "counter_busy" in t["errors"] and "masih" in t["errors"]["counter_busy"]
    current = next(c for c in overview.config["data"]["counters"] if c["id"] == hall.counter_1)
    # What the page needs to transfer the ticket at the counter: its id and service.
    assert current["current"]["id"] and current["current"]["service_id"] == hall.service_a


def test_a_supervisor_pauses_and_closes_a_counter_and_busy_is_refused(
    app: Flask, hall: Hall
) -> None:
    called = at_counter(app, hall, hall.counter_1, "clerk1")
    overview = Overview(app)
    sock = socketio.test_client(
        app, query_string=f"overview={hall.site_id}", flask_test_client=overview.browser.client
    )
    sock.get_received()
    paused = overview.post(f"/counters/{hall.counter_1}/pause")
    assert paused.status_code == 200 and paused.get_json()["state"] == "paused"
    assert counter_state(app, hall.counter_1) == "paused"
    news = [m["args"][0] for m in sock.get_received() if m["name"] == "overview"]
    assert news and news[-1]["counters"][0]["state"] == "paused"
    # The supervisor paused it; the clerk is still the one at it.
    assert news[-1]["counters"][0]["staff"] == "clerk1"
    # Closing needs the counter free of tickets: refused with the reason, nothing changes.
    busy = overview.post(f"/counters/{hall.counter_1}/close")
    assert busy.status_code == 409 and busy.get_json()["error"] == "counter_busy"
    assert counter_state(app, hall.counter_1) == "paused"
    api = app.test_client()
    clerk = bearer(app, "clerk1")
    assert api.post(f"/api/v1/tickets/{called['id']}/finish", headers=clerk).status_code == 200
    closed = overview.post(f"/counters/{hall.counter_1}/close")
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert counter_state(app, hall.counter_1) == "closed"
    sock.disconnect()


def test_a_supervisor_transfers_the_ticket_at_a_counter(app: Flask, hall: Hall) -> None:
    called = at_counter(app, hall, hall.counter_1, "clerk1")
    overview = Overview(app)
    moved = overview.post(f"/tickets/{called['id']}/transfer", {"service": "B"})
    assert moved.status_code == 200, moved.get_json()
    row = ticket(app, called["id"])
    assert row.service_id == hall.service_b and row.state == "waiting"
    assert row.code == called["code"]  # it keeps its number
    # The overview shows the counter free again and the ticket waiting for B.
    data = Overview(app).config["data"]
    assert next(c for c in data["counters"] if c["id"] == hall.counter_1)["current"] is None
    assert next(s for s in data["services"] if s["code"] == "B")["waiting_inside"] == 1
    # To its own service again: refused with a reason the page words.
    again = at_counter(app, hall, hall.counter_2, "clerk2")
    same = overview.post(f"/tickets/{again['id']}/transfer", {"service": again["service"]["code"]})
    assert same.status_code == 422 and same.get_json()["error"] == "invalid_input"


def test_a_supervisor_reinstates_a_no_show_listed_on_the_overview(app: Flask, hall: Hall) -> None:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        site.no_show_after_s = 0
        db.session.commit()
    called = at_counter(app, hall, hall.counter_1, "clerk1")
    api = app.test_client()
    missed = api.post(f"/api/v1/tickets/{called['id']}/no-show", headers=bearer(app, "clerk1"))
    assert missed.status_code == 200
    overview = Overview(app)
    listed = overview.config["data"]["no_shows"]
    assert [(m["id"], m["code"], m["counter"]) for m in listed] == [
        (called["id"], called["code"], 1)
    ]
    page = overview.browser.get("/admin/overview").get_data(as_text=True)
    assert f"<b>{called['code']}</b>" in page.split('id="ov-missed"', 1)[1].split("</ul>", 1)[0]
    back = overview.post(f"/tickets/{called['id']}/reinstate")
    assert back.status_code == 200
    assert ticket(app, called["id"]).state == "waiting"
    assert Overview(app).config["data"]["no_shows"] == []


def test_a_clerk_may_not_act_from_the_overview_nor_at_another_counter(
    app: Flask, hall: Hall
) -> None:
    called = at_counter(app, hall, hall.counter_2, "clerk2")
    clerk = Browser(app, "clerk1")
    assert clerk.get("/admin/overview").status_code == 403
    terminal = clerk.get(f"/counter/{hall.counter_1}")
    token = csrf_token(terminal)
    headers = {"X-CSRFToken": token}
    for path, body in (
        (f"/counters/{hall.counter_2}/pause", {}),
        (f"/counters/{hall.counter_2}/close", {}),
        (f"/tickets/{called['id']}/transfer", {"service": "B"}),
    ):
        refused = clerk.client.post(f"/api/v1{path}", json=body, headers=headers)
        assert refused.status_code == 403, (path, refused.get_json())
    assert counter_state(app, hall.counter_2) == "open"
    assert ticket(app, called["id"]).state == "called"


def test_without_the_page_token_the_browser_session_cannot_act(app: Flask, hall: Hall) -> None:
    at_counter(app, hall, hall.counter_1, "clerk1")
    overview = Overview(app)
    forged = overview.browser.client.post(f"/api/v1/counters/{hall.counter_1}/pause", json={})
    assert forged.status_code == 400 and forged.get_json()["error"] == "csrf_failed"
    assert counter_state(app, hall.counter_1) == "open"
