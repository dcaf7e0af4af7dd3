"""Who may do what over HTTP: 401 without credentials, 403 at someone else's counter,
supervisors and admins everywhere, 404 for ids that do not exist."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import Hall

from .conftest import API, COUNTER_VERBS, TICKET_VERBS, Api, add_service, assert_error


def staff_routes(hall: Hall, ticket_id: int) -> list[tuple[str, dict[str, Any] | None]]:
    """Every staff route of the API, with a body where it takes one."""
    routes: list[tuple[str, dict[str, Any] | None]] = [
        (f"{API}/counters/{hall.counter_1}/call-next", None),
        (f"{API}/tickets/{ticket_id}/transfer", {"service": "B"}),
    ]
    routes += [(f"{API}/tickets/{ticket_id}/{verb}", None) for verb in TICKET_VERBS]
    routes += [(f"{API}/counters/{hall.counter_1}/{verb}", None) for verb in COUNTER_VERBS]
    return routes


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer not-a-real-token"}, "invalid_token"),
        ({"Authorization": "Bearer " + "x" * 43}, "invalid_token"),
        ({"Authorization": "Basic Y2xlcmsxOnBhc3N3b3JkMTIz"}, "unauthorized"),
    ],
    ids=["none", "bogus-bearer", "token-shaped-bearer", "basic"],
)
def test_staff_routes_need_credentials(api: Api, headers: dict[str, str], code: str) -> None:
    ticket = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    before = api.board()
    for url, body in staff_routes(api.hall, ticket["id"]):
        response = api.post(url, headers=headers, json=body)
        assert_error(response, 401, code)
        assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), url
    assert api.board() == before
    assert api.public(ticket["token"])["state"] == "called"


def test_401_comes_before_404(api: Api) -> None:
    assert_error(api.post(f"{API}/tickets/999999/start"), 401)
    assert_error(api.post(f"{API}/counters/999999/call-next"), 401)


# -- 403 --------------------------------------------------------------------------------------


def test_clerk_cannot_use_another_clerks_counter(api: Api) -> None:
    hall = api.hall
    ticket = api.issue("A")
    before = api.board()
    for verb in ["call-next", *COUNTER_VERBS]:
        response = api.post(f"{API}/counters/{hall.counter_1}/{verb}", user="clerk2")
        assert_error(response, 403, "forbidden")
    assert api.board() == before
    assert api.counters()[hall.counter_1]["state"] == "open"
    assert api.public(ticket["token"])["state"] == "waiting"


def test_clerk_cannot_act_on_a_ticket_called_at_another_counter(api: Api) -> None:
    hall = api.hall
    ticket = api.issue("A")
    api.called(hall.counter_1, "clerk1")
    before, public = api.board(), api.public(ticket["token"])
    for verb in ["recall", "start", "finish", "no-show", "requeue"]:
        assert_error(api.act(ticket["id"], verb, "clerk2"), 403, "forbidden")
    assert_error(api.transfer(ticket["id"], "B", "clerk2"), 403, "forbidden")
    assert api.board() == before
    assert api.public(ticket["token"]) == public

    # nor once it is being served there
    api.ok(api.act(ticket["id"], "start", "clerk1"))
    before = api.board()
    for verb in ["finish", "transfer"]:
        response = (
            api.transfer(ticket["id"], "B", "clerk2")
            if verb == "transfer"
            else api.act(ticket["id"], verb, "clerk2")
        )
        assert_error(response, 403, "forbidden")
    assert api.board() == before


def test_clerk_cannot_reinstate_another_counters_no_show(api: Api) -> None:
    ticket = api.issue("A")
    api.called(api.hall.counter_1, "clerk1")
    api.ok(api.act(ticket["id"], "no-show", "clerk1"))
    assert_error(api.act(ticket["id"], "reinstate", "clerk2"), 403, "forbidden")
    assert api.public(ticket["token"])["state"] == "no_show"
    assert api.ok(api.act(ticket["id"], "reinstate", "clerk1"))["state"] == "waiting"


def test_clerk_cancels_only_tickets_their_counters_serve(app: Flask, api: Api) -> None:
    add_service(app, api.hall.site_id, "C")  # no counter serves C
    unserved = api.issue("C")
    assert_error(api.act(unserved["id"], "cancel", "clerk1"), 403, "forbidden")
    assert api.public(unserved["token"])["state"] == "waiting"
    assert api.ok(api.act(unserved["id"], "cancel", "super"))["state"] == "cancelled"

    served = api.issue("A")  # counter 2 serves A too (after B)
    assert api.ok(api.act(served["id"], "cancel", "clerk2"))["state"] == "cancelled"


# -- supervisors and admins -------------------------------------------------------------------


@pytest.mark.parametrize("user", ["super", "admin"])
def test_supervisor_and_admin_act_at_every_counter(api: Api, user: str) -> None:
    hall = api.hall
    a1, a2, b1 = api.issue("A"), api.issue("A"), api.issue("B")

    # a ticket called by clerk1 at counter 1 can be handled by the supervisor/admin
    assert api.called(hall.counter_1, "clerk1")["id"] == a1["id"]
    assert api.ok(api.act(a1["id"], "recall", user))["call_count"] == 2
    assert api.ok(api.act(a1["id"], "start", user))["state"] == "serving"
    assert api.ok(api.act(a1["id"], "finish", user))["state"] == "done"

    # they call at both counters
    assert api.called(hall.counter_1, user)["id"] == a2["id"]
    assert api.called(hall.counter_2, user)["id"] == b1["id"]
    assert api.ok(api.transfer(a2["id"], "B", user))["service"]["code"] == "B"
    assert api.ok(api.act(b1["id"], "no-show", user))["state"] == "no_show"
    assert api.ok(api.act(b1["id"], "reinstate", user))["state"] == "waiting"
    assert api.called(hall.counter_2, user)["id"] == a2["id"]  # transferred: at the front
    assert api.ok(api.act(a2["id"], "requeue", user))["state"] == "waiting"
    assert api.ok(api.act(b1["id"], "cancel", user))["state"] == "cancelled"

    for counter_id in (hall.counter_1, hall.counter_2):
        assert api.ok(api.counter(counter_id, "pause", user))["state"] == "paused"
        assert api.ok(api.counter(counter_id, "close", user))["state"] == "closed"
        assert api.ok(api.counter(counter_id, "open", user))["state"] == "open"


# -- 404 --------------------------------------------------------------------------------------

UNKNOWN = 987654


@pytest.mark.parametrize("user", ["clerk1", "super"])
def test_unknown_ticket_and_counter_ids_are_404(api: Api, user: str) -> None:
    api.issue("A")
    before = api.board()
    for verb in TICKET_VERBS:
        assert_error(api.act(UNKNOWN, verb, user), 404, "not_found")
    assert_error(api.transfer(UNKNOWN, "B", user), 404, "not_found")
    assert_error(api.call_next(UNKNOWN, user), 404, "not_found")
    for verb in COUNTER_VERBS:
        assert_error(api.counter(UNKNOWN, verb, user), 404, "not_found")
    assert api.board() == before


@pytest.mark.parametrize(
    "db_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
@pytest.mark.parametrize("unknown", [2**31, 2**63, 10**30], ids=["2^31", "2^63", "10^30"])
def test_ids_beyond_the_database_integer_range_are_404(api: Api, unknown: int) -> None:
    """A URL's id is any digit string: one no row can have is simply not found, not a 500."""
    headers = api.auth("admin")
    urls = [f"{API}/tickets/{unknown}/{verb}" for verb in [*TICKET_VERBS, "transfer"]]
    urls += [f"{API}/counters/{unknown}/{verb}" for verb in ["call-next", *COUNTER_VERBS]]
    outcomes = {
        url: api.client.post(url, headers=headers, json={"service": "B"}).status_code
        for url in urls
    }
    assert {url: status for url, status in outcomes.items() if status != 404} == {}
