"""Issue 18, part 2: finishing a ticket records how the service ended — completed (the default:
no body, `{}`, a null outcome), incomplete documents, referred or other — with an optional
short note, in the finish event's detail; an unknown outcome is 422 and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from queue_app.extensions import db
from queue_app.models import TicketEvent

from .conftest import Api, assert_error


def finish_detail(app: Flask, ticket_id: int) -> Any:
    with app.app_context():
        return db.session.scalars(
            select(TicketEvent.detail).where(
                TicketEvent.ticket_id == ticket_id, TicketEvent.action == "finish"
            )
        ).all()


def called(api: Api) -> dict[str, Any]:
    api.issue("A")
    api.ok(api.counter(api.hall.counter_1, "open", "clerk1"))
    return api.called(api.hall.counter_1, "clerk1")


@pytest.mark.parametrize(
    ("body", "recorded"),
    [
        (None, {"outcome": "completed"}),
        ({}, {"outcome": "completed"}),
        ({"outcome": None}, {"outcome": "completed"}),
        ({"outcome": "completed", "note": "  "}, {"outcome": "completed"}),
        (
            {"outcome": "incomplete_documents", "note": "  KK belum dilegalisir  "},
            {"outcome": "incomplete_documents", "note": "KK belum dilegalisir"},
        ),
        (
            {"outcome": "referred", "note": "ke Dukcapil"},
            {"outcome": "referred", "note": "ke Dukcapil"},
        ),
        ({"outcome": "other", "note": None}, {"outcome": "other"}),
        ({"outcome": "other", "note": "x" * 200}, {"outcome": "other", "note": "x" * 200}),
    ],
)
def test_each_outcome_is_recorded_in_the_finish_event(
    app: Flask, api: Api, body: Any, recorded: dict[str, str]
) -> None:
    ticket = called(api)
    done = api.ok(api.act(ticket["id"], "finish", "clerk1", json=body))
    assert done["state"] == "done" and done["finished_at"] is not None
    assert finish_detail(app, ticket["id"]) == [recorded]


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "lost"},
        {"outcome": "COMPLETED"},
        {"outcome": 1},
        {"outcome": "other", "note": "x" * 201},
        {"outcome": "other", "note": 5},
    ],
)
def test_a_bad_outcome_or_note_is_422_and_changes_nothing(
    app: Flask, api: Api, body: dict[str, Any]
) -> None:
    ticket = called(api)
    seq = api.board()["seq"]
    refused = assert_error(api.act(ticket["id"], "finish", "clerk1", json=body), 422)
    assert refused["error"] == "invalid_input"
    assert api.current(api.hall.counter_1)["code"] == ticket["code"]  # still called there
    assert api.board()["seq"] == seq and finish_detail(app, ticket["id"]) == []
    # The same ticket finishes afterwards as usual.
    assert api.ok(api.act(ticket["id"], "finish", "clerk1"))["state"] == "done"
