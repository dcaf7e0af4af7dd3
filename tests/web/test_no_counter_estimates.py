"""No open counter serves a service: the API says `estimated_wait_s: null`, the screens say so in
words, never "no wait" (issue 13, item 5)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from queue_app.extensions import db
from queue_app.models import Site
from tests.conftest import build_hall
from tests.web.conftest import API, Api, add_service, assert_error

#: 10:00 in Jakarta.
MORNING = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    with app.app_context():
        built = build_hall()
    return Api(app, client, built)


def estimates(api: Api) -> dict[str, dict[str, object]]:
    return {e["service"]["code"]: e for e in api.get(f"{API}/estimates").get_json()}


def test_no_open_counter_means_null_everywhere_until_one_opens(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        for counter, clerk in ((api.hall.counter_1, "clerk1"), (api.hall.counter_2, "clerk2")):
            api.ok(api.counter(counter, "close", clerk))
        first = api.issue("A")
        second = api.issue("A")
        # The issue response, the ticket's public view, the services list, the estimates and
        # the board all say "nobody can tell" rather than 0 ("no wait").
        assert first["estimated_wait_s"] is None and second["estimated_wait_s"] is None
        assert api.public(second["token"])["estimated_wait_s"] is None
        assert api.public(second["token"])["position"] == 1
        services = api.services()
        assert services["A"]["estimated_wait_s"] is None and services["A"]["waiting"] == 2
        assert services["B"]["estimated_wait_s"] is None and services["B"]["waiting"] == 0
        listed = estimates(api)
        assert listed["A"]["estimated_wait_s"] is None
        assert listed["A"]["estimated_wait_priority_s"] is None
        board = api.get(f"{API}/board").get_json()
        assert {s["code"]: s["estimated_wait_s"] for s in board["services"]} == {
            "A": None,
            "B": None,
        }
        # A counter opens: the figures come back, a real one for the second in line.
        api.ok(api.counter(api.hall.counter_1, "open", "clerk1"))
        assert api.public(first["token"])["estimated_wait_s"] == 0
        assert api.public(second["token"])["estimated_wait_s"] > 0
        assert api.services()["A"]["estimated_wait_s"] > 0
        # Counter 1 serves B after A: a B ticket taken now waits for the two A tickets.
        assert api.services()["B"]["estimated_wait_s"] == 2 * 300


def test_an_unstaffed_service_and_a_transfer_into_it_say_no_counter(app: Flask, api: Api) -> None:
    unstaffed = add_service(app, api.hall.site_id, "C")
    with time_machine.travel(MORNING, tick=False):
        taken = api.issue("C")
        assert taken["estimated_wait_s"] is None
        assert api.services()["C"]["estimated_wait_s"] is None
        assert api.services()["A"]["estimated_wait_s"] == 0  # counters are open for A
        moved = api.issue("A")
        assert api.public(moved["token"])["estimated_wait_s"] == 0
        called = api.called(api.hall.counter_1, "clerk1")
        assert called["id"] == moved["id"]
        api.ok(api.transfer(moved["id"], unstaffed, "clerk1"))
        after = api.public(moved["token"])
        assert after["service"]["code"] == "C" and after["state"] == "waiting"
        assert after["estimated_wait_s"] is None


def test_with_the_hall_closed_no_new_ticket_has_a_figure(app: Flask, api: Api) -> None:
    with app.app_context():
        site = db.session.get(Site, api.hall.site_id)
        assert site is not None
        site.opens_at, site.closes_at = time(8), time(16)
        db.session.commit()
    # 15:50 in Jakarta: three tickets taken before closing time, one of them called.
    with time_machine.travel(datetime(2026, 6, 15, 8, 50, tzinfo=UTC), tick=False):
        tickets = [api.issue("A") for _ in range(3)]
        api.called(api.hall.counter_1, "clerk1")
    # 16:10: closed. Issuing is refused, and no service promises a wait for a ticket taken now,
    # neither the one with nobody queued (it used to say ± 238 min before opening) nor the one
    # with people still queued; those still queued keep their real estimate.
    with time_machine.travel(datetime(2026, 6, 15, 9, 10, tzinfo=UTC), tick=False):
        assert_error(api.post(f"{API}/tickets", json={"service": "A"}), 409, "hall_closed")
        services = api.services()
        assert services["A"]["waiting"] == 2 and services["B"]["waiting"] == 0
        assert services["A"]["estimated_wait_s"] is None
        assert services["B"]["estimated_wait_s"] is None
        assert estimates(api)["A"]["estimated_wait_s"] is None
        last = api.public(tickets[2]["token"])
        assert last["state"] == "waiting" and last["estimated_wait_s"] is not None
    # 06:00 the next morning: still closed, still no figure.
    with time_machine.travel(datetime(2026, 6, 15, 23, 0, tzinfo=UTC), tick=False):
        assert all(s["estimated_wait_s"] is None for s in api.services().values())


def test_the_phone_page_and_the_slip_say_no_counter_open_in_words(api: Api) -> None:
    with time_machine.travel(MORNING, tick=False):
        for counter, clerk in ((api.hall.counter_1, "clerk1"), (api.hall.counter_2, "clerk2")):
            api.ok(api.counter(counter, "pause", clerk))
        taken = api.issue("A")
        assert wait_on_phone(api, taken["token"]) == "belum ada loket yang buka"
        slip = api.get(f"/kiosk/ticket/{taken['token']}").get_data(as_text=True)
        assert "belum ada loket yang buka" in slip and "tanpa antre" not in slip
        api.ok(api.counter(api.hall.counter_1, "open", "clerk1"))
        assert wait_on_phone(api, taken["token"]) == "tanpa antre"


def wait_on_phone(api: Api, token: str) -> str:
    """The estimated wait the phone's status page shows as it loads."""
    page = api.get(f"/t/{token}").get_data(as_text=True)
    found = re.search(r'<dd id="wait">([^<]*)</dd>', page)
    assert found is not None, page
    return found.group(1).strip()
