"""The site's recall and no-show policies, set in the admin console: a ticket may be recalled
only `recall_limit` times after its latest call (409 `recall_limit`), and marked a no-show only
`no_show_after_s` seconds after its latest call (409 `too_early`). The counter terminal shows
both on its buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db, socketio
from queue_app.models import Site
from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser


def set_policy(app: Flask, site_id: int, **values: Any) -> None:
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        for key, value in values.items():
            setattr(site, key, value)
        db.session.commit()


def called_ticket(app: Flask, hall: Hall) -> tuple[FlaskClient, dict[str, str], int]:
    api = app.test_client()
    api.post("/api/v1/tickets", json={"service": "A"})
    clerk = bearer(app, "clerk1")
    called = api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk)
    assert called.status_code == 200
    return api, clerk, int(called.get_json()["id"])


def test_recalls_stop_at_the_limit_until_the_ticket_is_called_again(app: Flask, hall: Hall) -> None:
    set_policy(app, hall.site_id, recall_limit=2)
    api, clerk, ticket = called_ticket(app, hall)
    for _ in range(2):
        assert api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk).status_code == 200
    refused = api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["error"] == "recall_limit" and body["detail"] == {"recall_limit": 2}
    # Sent back to the queue and called again, it may be recalled again.
    assert api.post(f"/api/v1/tickets/{ticket}/requeue", headers=clerk).status_code == 200
    again = api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk)
    assert again.get_json()["id"] == ticket
    assert api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk).status_code == 200


def test_no_limit_and_zero_recalls(app: Flask, hall: Hall) -> None:
    api, clerk, ticket = called_ticket(app, hall)
    for _ in range(5):  # NULL: no limit
        assert api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk).status_code == 200
    set_policy(app, hall.site_id, recall_limit=0)
    assert api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk).status_code == 409


def test_a_no_show_waits_for_the_site_s_seconds_after_the_latest_call(
    app: Flask, hall: Hall
) -> None:
    set_policy(app, hall.site_id, no_show_after_s=90)
    start = datetime.now(UTC)
    with time_machine.travel(start, tick=False):
        api, clerk, ticket = called_ticket(app, hall)
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        early = api.post(f"/api/v1/tickets/{ticket}/no-show", headers=clerk)
        assert early.status_code == 409
        body = early.get_json()
        assert body["error"] == "too_early" and body["detail"]["wait_s"] == 30
        # A recall is a new call: the wait starts again.
        assert api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk).status_code == 200
    with time_machine.travel(start + timedelta(seconds=120), tick=False):
        still_early = api.post(f"/api/v1/tickets/{ticket}/no-show", headers=clerk)
        assert still_early.get_json()["detail"]["wait_s"] == 30
    with time_machine.travel(start + timedelta(seconds=151), tick=False):
        done = api.post(f"/api/v1/tickets/{ticket}/no-show", headers=clerk)
        assert done.status_code == 200 and done.get_json()["state"] == "no_show"


def test_the_counter_terminal_knows_the_rules_and_the_recalls_used(app: Flask, hall: Hall) -> None:
    set_policy(app, hall.site_id, recall_limit=1, no_show_after_s=45)
    api, clerk, ticket = called_ticket(app, hall)
    api.post(f"/api/v1/tickets/{ticket}/recall", headers=clerk)
    terminal = Browser(app, "clerk1")
    page = terminal.get(f"/counter/{hall.counter_1}").get_data(as_text=True)
    config = json.loads(page.split('id="config">', 1)[1].split("</script>", 1)[0])
    assert config["counter"]["policy"] == {"recall_limit": 1, "no_show_after_s": 45}
    assert config["counter"]["current"]["recalls_since_call"] == 1
    assert 'id="no-show-wait"' in page and 'id="recall-left"' in page
    sock = socketio.test_client(
        app, query_string=f"counter={hall.counter_1}", flask_test_client=terminal.client
    )
    snapshot = next(m["args"][0] for m in sock.get_received() if m["name"] == "snapshot")
    assert snapshot["data"]["policy"] == {"recall_limit": 1, "no_show_after_s": 45}
    assert snapshot["data"]["current"]["recalls_since_call"] == 1
