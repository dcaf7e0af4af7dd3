"""Counters in the admin console: number, label, services in preference order and state. Each
change is stored, audited and heard live by the boards and by the counter's own terminal."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import Counter
from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser, changes_count, field_errors, heard, last_change, screen

NEW = {"number": "7", "label": "Loket Tujuh", "services": "b, a", "state": "open"}


def counter(number: int) -> Counter | None:
    return db.session.scalars(select(Counter).where(Counter.number == number)).first()


def test_a_new_counter_serves_its_services_in_the_order_given(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    board = screen(app, f"board={hall.site_id}")
    assert admin.submit("/admin/counters/new", NEW).status_code == 302
    with app.app_context():
        added = counter(7)
        assert added is not None
        assert (added.label, added.state) == ("Loket Tujuh", "open")
        assert added.service_ids == [hall.service_b, hall.service_a]
        change = last_change()
        assert (change.entity, change.action) == ("counter", "create")
        assert change.changes is not None and change.changes["services"] == ["B", "A"]
        added_id = added.id
    config = heard(board, "config")
    assert config and config[-1]["what"] == "counter"
    assert 7 in [c["number"] for c in config[-1]["board"]["counters"]]
    # It calls at once: B first (its preferred service), by an admin's token.
    api = app.test_client()
    api.post("/api/v1/tickets", json={"service": "A"})
    api.post("/api/v1/tickets", json={"service": "B"})
    called = api.post(f"/api/v1/counters/{added_id}/call-next", headers=bearer(app, "admin"))
    assert called.status_code == 200 and called.get_json()["code"] == "B-001"


def test_changing_a_counter_reaches_its_terminal_and_the_board(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    clerk = Browser(app, "clerk1")
    terminal = screen(app, f"counter={hall.counter_1}", clerk.client)
    board = screen(app, f"board={hall.site_id}")
    url = f"/admin/counters/{hall.counter_1}"
    data = {"number": "1", "label": "Loket Satu", "services": "B", "state": "paused"}
    assert admin.submit(url, data).status_code == 302
    # The state change is news for the counter and the board; the set-up change too.
    for sock in (terminal, board):
        news = sock.get_received()
        assert "paused" in [
            m["args"][0]["counter"]["state"] for m in news if m["name"] == "counter"
        ]
        assert "config" in [m["name"] for m in news]
    with app.app_context():
        changed = db.session.get(Counter, hall.counter_1)
        assert changed is not None
        assert (changed.label, changed.state, changed.service_ids) == (
            "Loket Satu",
            "paused",
            [hall.service_b],
        )
        change = last_change()
        assert change.changes is not None
        assert change.changes["services"] == [["A", "B"], ["B"]]
        assert change.changes["state"] == ["open", "paused"]
    # The snapshot the terminal then asks for has the new label and services.
    terminal.emit("resync")
    snapshot = [m["args"][0] for m in terminal.get_received() if m["name"] == "snapshot"]
    assert snapshot[0]["data"]["label"] == "Loket Satu"
    assert [s["code"] for s in snapshot[0]["data"]["services"]] == ["B"]


def test_a_counter_terminal_hears_the_set_up_change(app: Flask, hall: Hall, admin: Browser) -> None:
    terminal = screen(app, f"counter={hall.counter_2}", Browser(app, "clerk2").client)
    url = f"/admin/counters/{hall.counter_2}"
    data = {"number": "2", "label": "Loket Dua", "services": "B, A", "state": "open"}
    assert admin.submit(url, data).status_code == 302
    config = heard(terminal, "config")  # counter terminals are in the board's room
    assert len(config) == 1 and config[0]["what"] == "counter"


def test_closing_a_counter_with_a_called_ticket_is_refused_on_the_form(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    api = app.test_client()
    api.post("/api/v1/tickets", json={"service": "A"})
    clerk = bearer(app, "clerk1")
    assert (
        api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk).status_code == 200
    )
    with app.app_context():
        before = changes_count()
    url = f"/admin/counters/{hall.counter_1}"
    response = admin.submit(
        f"{url}?lang=en", {"number": "1", "label": "x", "services": "A", "state": "closed"}
    )
    assert response.status_code == 422
    assert any("finish it first" in e for e in field_errors(response))
    with app.app_context():
        unchanged = db.session.get(Counter, hall.counter_1)
        assert unchanged is not None and unchanged.state == "open" and unchanged.label == "Loket 1"
        assert changes_count() == before


def test_bad_counter_input_shows_what_to_fix_and_changes_nothing(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    with app.app_context():
        before = changes_count()
    cases = {
        "number taken": ({**NEW, "number": "2"}, "Another counter already has this number."),
        "unknown service": ({**NEW, "services": "A, X"}, "No service with the code X."),
        "service twice": ({**NEW, "services": "A A"}, "List each service once."),
        "no service": ({**NEW, "services": ""}, "Please fill this in."),
        "number zero": ({**NEW, "number": "0"}, "Give a number from 1 to 9999."),
        "bad state": ({**NEW, "state": "broken"}, "Not a valid choice."),
    }
    for case, (data, message) in cases.items():
        response = admin.submit("/admin/counters/new?lang=en", data)
        assert response.status_code == 422, case
        assert message in field_errors(response), (case, field_errors(response))
    with app.app_context():
        assert counter(7) is None
        assert changes_count() == before
