"""Malformed requests get a clear 4xx JSON error and write nothing; quotas and closed services
refuse with 409. Nothing a client sends may produce a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from .conftest import API, HUGE_BODY, Api, add_service, assert_error

BIG_STRING = "A" * 10_000


def as_json(value: Any) -> dict[str, Any]:
    return {"json": value}


def raw(data: str | bytes, content_type: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"data": data}
    if content_type is not None:
        kwargs["content_type"] = content_type
    return kwargs


# (request kwargs, status, error code or None when the contract names none)
BAD_ISSUES: dict[str, tuple[dict[str, Any], int, str | None]] = {
    # wrong types and values for "service"
    "service-true": (as_json({"service": True}), 422, None),
    "service-false": (as_json({"service": False}), 422, None),
    "service-float": (as_json({"service": 1.5}), 422, None),
    "service-float-integral": (as_json({"service": 1.0}), 422, None),
    "service-list": (as_json({"service": []}), 422, None),
    "service-object": (as_json({"service": {}}), 422, None),
    "service-negative": (as_json({"service": -1}), 422, None),
    "service-zero": (as_json({"service": 0}), 422, None),
    "service-null": (as_json({"service": None}), 422, None),
    "service-missing": (as_json({"priority": None}), 422, None),
    "service-empty-string": (as_json({"service": ""}), 422, None),
    "service-blank": (as_json({"service": "   "}), 422, None),
    "service-code-too-long": (as_json({"service": "ABCD"}), 422, None),
    "service-code-with-digit": (as_json({"service": "A1"}), 422, None),
    "service-10kB": (as_json({"service": BIG_STRING}), 422, None),
    # Unicode digits are not the ASCII digits the ServiceRef pattern ([0-9]{1,9}) allows
    "service-superscript-two": (as_json({"service": "\u00b2"}), 422, None),
    "service-arabic-indic-one": (as_json({"service": "\u0661"}), 422, None),
    # well-formed but naming no service
    "unknown-id": (as_json({"service": 987654}), 422, "unknown_service"),
    "unknown-id-as-string": (as_json({"service": "987654"}), 422, "unknown_service"),
    "unknown-code": (as_json({"service": "ZZ"}), 422, "unknown_service"),
    # priority and channel outside their lists
    "priority-unknown": (as_json({"service": "A", "priority": "urgent"}), 422, None),
    "priority-wrong-case": (as_json({"service": "A", "priority": "ELDERLY"}), 422, None),
    "priority-empty": (as_json({"service": "A", "priority": ""}), 422, None),
    "priority-number": (as_json({"service": "A", "priority": 1}), 422, None),
    "priority-true": (as_json({"service": "A", "priority": True}), 422, None),
    "priority-list": (as_json({"service": "A", "priority": ["elderly"]}), 422, None),
    "channel-staff": (as_json({"service": "A", "channel": "staff"}), 422, None),
    "channel-unknown": (as_json({"service": "A", "channel": "sms"}), 422, None),
    # bodies that are not a JSON object
    "no-body": ({}, 422, None),
    "empty-json-body": (raw("", "application/json"), 422, None),
    "form-encoded": ({"data": {"service": "A"}}, 415, None),
    "text-plain": (raw("A", "text/plain"), 415, None),
    "json-text-as-text-plain": (raw('{"service": "A"}', "text/plain"), 415, None),
    "invalid-json": (raw('{"service": ', "application/json"), 422, None),
    "json-single-quotes": (raw("{'service': 'A'}", "application/json"), 422, None),
    "json-null": (raw("null", "application/json"), 422, None),
    "json-array": (raw('[{"service": "A"}]', "application/json"), 422, None),
    "json-string": (raw('"A"', "application/json"), 422, None),
    "json-number": (raw("1", "application/json"), 422, None),
    "body-100kB": (raw(HUGE_BODY, "application/json"), 413, None),
    # the site query parameter
    "site-not-a-number": ({"json": {"service": "A"}, "query_string": {"site": "x"}}, 422, None),
    # no such site: 404, as on every route taking ?site= (not "no service A" at it)
    "site-unknown": (
        {"json": {"service": "A"}, "query_string": {"site": "987654"}},
        404,
        "not_found",
    ),
}


def assert_nothing_written(api: Api) -> None:
    """No ticket, no number drawn, no event: the queue is as the hall fixture made it."""
    services = api.services()
    assert {code: s["waiting"] for code, s in services.items()} == {"A": 0, "B": 0}
    board = api.board()
    assert board["seq"] == 0
    assert board["recent_calls"] == []
    assert (board["hall"]["inside"], board["hall"]["outside"]) == (0, 0)
    ticket = api.issue("A")
    assert (ticket["number"], ticket["code"]) == (1, "A-001")


@pytest.mark.parametrize("case", list(BAD_ISSUES))
def test_bad_ticket_requests_are_refused_and_write_nothing(api: Api, case: str) -> None:
    kwargs, status, code = BAD_ISSUES[case]
    response = api.post(f"{API}/tickets", **kwargs)
    assert_error(response, status, code)
    assert_nothing_written(api)


def test_a_run_of_bad_ticket_requests_writes_nothing(app: Flask, api: Api) -> None:
    """All of them against one hall, then a good one: it gets number 1."""
    statuses = {}
    for case, (kwargs, _, _) in BAD_ISSUES.items():
        statuses[case] = app.test_client().post(f"{API}/tickets", **kwargs).status_code
    assert {case: s for case, s in statuses.items() if not 400 <= s < 500} == {}
    assert_nothing_written(api)


def test_none_as_priority_text_means_no_priority(api: Api) -> None:
    """The documented request schema lists "none" beside null."""
    assert api.issue("A", priority="none")["priority"] is None


# -- the site parameter on the reads ----------------------------------------------------------


@pytest.mark.parametrize("site", ["x", "-1", "1.5", "\u00b2", "99999999999999999999"], ids=repr)
@pytest.mark.parametrize("path", ["/services", "/counters", "/board"])
def test_a_bad_site_parameter_is_a_client_error(api: Api, path: str, site: str) -> None:
    response = api.client.get(f"{API}{path}", query_string={"site": site})
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data())
    assert_error(response, response.status_code)


def test_an_unknown_site_is_404(api: Api) -> None:
    for path in ("/services", "/counters", "/board"):
        assert_error(api.get(f"{API}{path}", query_string={"site": "987654"}), 404, "not_found")


# -- transfer with bad bodies -----------------------------------------------------------------

BAD_TRANSFERS: dict[str, tuple[dict[str, Any], int, str | None]] = {
    "no-body": ({}, 422, None),
    "empty-object": (as_json({}), 422, None),
    "service-null": (as_json({"service": None}), 422, None),
    "service-true": (as_json({"service": True}), 422, None),
    "service-float": (as_json({"service": 2.5}), 422, None),
    "service-list": (as_json({"service": ["B"]}), 422, None),
    "service-zero": (as_json({"service": 0}), 422, None),
    "service-10kB": (as_json({"service": BIG_STRING}), 422, None),
    "service-superscript-two": (as_json({"service": "\u00b2"}), 422, None),
    "unknown-code": (as_json({"service": "ZZ"}), 422, "unknown_service"),
    "unknown-id": (as_json({"service": 987654}), 422, "unknown_service"),
    "same-service": (as_json({"service": "a"}), 422, None),
    "form-encoded": ({"data": {"service": "B"}}, 415, None),
    "text-plain": (raw("B", "text/plain"), 415, None),
    "invalid-json": (raw("{", "application/json"), 422, None),
    "json-array": (raw('["B"]', "application/json"), 422, None),
    "body-100kB": (raw('{"service": "' + "B" * 100_000 + '"}', "application/json"), 413, None),
}


@pytest.mark.parametrize("case", list(BAD_TRANSFERS))
def test_bad_transfer_requests_change_nothing(api: Api, case: str) -> None:
    kwargs, status, code = BAD_TRANSFERS[case]
    ticket = api.issue("A")
    waiting_b = api.issue("B")
    api.called(api.hall.counter_1, "clerk1")
    board, public = api.board(), api.public(ticket["token"])

    response = api.post(f"{API}/tickets/{ticket['id']}/transfer", user="clerk1", **kwargs)
    assert_error(response, status, code)

    assert api.public(ticket["token"]) == public
    assert public["state"] == "called"
    assert public["service"]["code"] == "A"
    assert api.board() == board
    assert api.public(waiting_b["token"])["position"] == 0
    # and the ticket can still be transferred properly
    assert api.ok(api.transfer(ticket["id"], "B", "clerk1"))["service"]["code"] == "B"


# -- quota and closed services ----------------------------------------------------------------


@pytest.mark.parametrize("quota", [0, 1, 3])
def test_quota_allows_exactly_n_tickets(app: Flask, api: Api, quota: int) -> None:
    add_service(app, api.hall.site_id, "Q", quota=quota)
    assert api.services()["Q"]["quota_left"] == quota

    for n in range(1, quota + 1):
        ticket = api.issue("Q")
        assert ticket["number"] == n
        assert api.services()["Q"]["quota_left"] == quota - n

    before = api.board()
    for _ in range(2):
        body = assert_error(api.post(f"{API}/tickets", json={"service": "Q"}), 409, "quota_reached")
        assert "token" not in body
    assert api.board() == before
    services = api.services()
    assert (services["Q"]["waiting"], services["Q"]["quota_left"]) == (quota, 0)
    # other services are not affected
    assert api.issue("A")["number"] == 1


def test_a_closed_service_takes_no_tickets(app: Flask, api: Api) -> None:
    service_id = add_service(app, api.hall.site_id, "X", is_open=False)
    assert api.services()["X"]["open"] is False
    before = api.board()
    for ref in ("X", "x", service_id):
        assert_error(api.post(f"{API}/tickets", json={"service": ref}), 409, "service_closed")
    assert api.board() == before
    assert api.services()["X"]["waiting"] == 0
    assert api.issue("A")["number"] == 1


# -- values the database cannot hold ----------------------------------------------------------


@pytest.mark.parametrize(
    "db_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_values_the_database_cannot_hold_are_client_errors(api: Api) -> None:
    """Ids past the INTEGER range and NUL characters are refused with a 4xx, on both backends."""
    client = api.client
    outcomes = {
        "POST /tickets service=2^31": client.post(
            f"{API}/tickets", json={"service": 2**31}
        ).status_code,
        "GET /services?site=2^31": client.get(
            f"{API}/services", query_string={"site": str(2**31)}
        ).status_code,
        "GET /tickets/by-token/<NUL>": client.get(f"{API}/tickets/by-token/%00").status_code,
        "GET /t/<NUL>": client.get("/t/%00").status_code,
        "POST /auth/token username=<NUL>": client.post(
            f"{API}/auth/token", json={"username": "\x00", "password": "password123"}
        ).status_code,
        "POST /login username=<NUL>": client.post(
            "/login", data={"username": "a\x00", "password": "password123"}
        ).status_code,
    }
    assert {what: s for what, s in outcomes.items() if not 400 <= s < 500} == {}
    assert_nothing_written(api)
