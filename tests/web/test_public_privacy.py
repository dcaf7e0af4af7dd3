"""What the public sees never carries a ticket token: a token is the only key to a ticket's
status page, so it must appear only in the one response that issues it."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import API, Api, assert_error


def keys(value: Any) -> set[str]:
    """Every object key at any depth."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def assert_no_token(text: str, tokens: list[str], where: str) -> None:
    leaked = [t for t in tokens if t in text]
    assert leaked == [], f"{where} contains {len(leaked)} ticket token(s)"


@pytest.fixture
def tickets(api: Api) -> list[dict[str, Any]]:
    """A hall in motion: tickets waiting, called, serving, done, transferred, no-show."""
    hall = api.hall
    issued = [
        api.issue("A"),
        api.issue("A", priority="pregnant"),
        api.issue("B"),
        api.issue("B"),
        api.issue("A"),
        api.issue("A"),
    ]
    first = api.called(hall.counter_1, "clerk1")
    api.ok(api.act(first["id"], "recall", "clerk1"))
    api.ok(api.act(first["id"], "finish", "clerk1"))
    second = api.called(hall.counter_1, "clerk1")
    api.ok(api.act(second["id"], "start", "clerk1"))
    api.ok(api.transfer(second["id"], "B", "clerk1"))
    third = api.called(hall.counter_2, "clerk2")
    api.ok(api.act(third["id"], "no-show", "clerk2"))
    api.called(hall.counter_2, "clerk2")
    api.called(hall.counter_1, "clerk1")
    states = {api.public(t["token"])["state"] for t in issued}
    assert {"waiting", "called", "done", "no_show"} <= states
    return issued


def test_the_issue_response_is_the_only_one_with_the_token(
    api: Api, tickets: list[dict[str, Any]]
) -> None:
    assert all(len(t["token"]) >= 22 for t in tickets)  # >= 128 bits of url-safe text
    assert len({t["token"] for t in tickets}) == len(tickets)


def test_by_token_view_carries_no_token(api: Api, tickets: list[dict[str, Any]]) -> None:
    tokens = [t["token"] for t in tickets]
    for ticket in tickets:
        response = api.get(f"{API}/tickets/by-token/{ticket['token']}")
        assert response.status_code == 200
        body = response.get_json()
        assert body["code"] == ticket["code"]
        assert "token" not in keys(body)
        assert "status_url" not in keys(body)
        assert_no_token(response.get_data(as_text=True), tokens, f"by-token of {ticket['code']}")


def test_status_page_carries_no_token(api: Api, tickets: list[dict[str, Any]]) -> None:
    tokens = [t["token"] for t in tickets]
    for ticket in tickets:
        response = api.get(f"/t/{ticket['token']}")
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert ticket["code"] in page
        assert_no_token(page, tokens, f"status page of {ticket['code']}")


@pytest.mark.parametrize("path", ["/board", "/services", "/counters"])
def test_public_lists_carry_no_token(api: Api, tickets: list[dict[str, Any]], path: str) -> None:
    response = api.get(f"{API}{path}")
    assert response.status_code == 200
    assert "token" not in keys(response.get_json())
    assert_no_token(response.get_data(as_text=True), [t["token"] for t in tickets], path)


def test_staff_responses_carry_no_token(api: Api) -> None:
    ticket = api.issue("A")
    for response in (
        api.call_next(api.hall.counter_1, "clerk1"),
        api.act(ticket["id"], "recall", "clerk1"),
        api.act(ticket["id"], "finish", "clerk1"),
        api.counter(api.hall.counter_1, "pause", "clerk1"),
    ):
        assert response.status_code == 200
        assert ticket["token"] not in response.get_data(as_text=True)
        assert "token" not in keys(response.get_json())


def wrong_tokens(token: str) -> dict[str, str]:
    return {
        "made-up": "x" * len(token),
        "prefix": token[:-1],
        "extended": token + "x",
        "extended-past-64": token + "x" * 40,
        "other-case": token.swapcase(),
        "10kB": "t" * 10_000,
    }


def test_unknown_tokens_are_404_json_on_the_api(api: Api, tickets: list[dict[str, Any]]) -> None:
    token = tickets[0]["token"]
    assert token.swapcase() != token
    for what, wrong in wrong_tokens(token).items():
        response = api.get(f"{API}/tickets/by-token/{wrong}")
        body = assert_error(response, 404, "not_found")
        assert "code" not in body, what


def test_unknown_tokens_are_an_html_404_page(api: Api, tickets: list[dict[str, Any]]) -> None:
    token = tickets[0]["token"]
    for what, wrong in wrong_tokens(token).items():
        response = api.get(f"/t/{wrong}")
        assert response.status_code == 404, what
        assert response.mimetype == "text/html", what
        page = response.get_data(as_text=True)
        assert page.lstrip().lower().startswith("<!doctype html>"), what
        assert tickets[0]["code"] not in page, what
