"""The API contract (queue_app/contract/) is the one source of the document's schemas, of the
body checks and of the payloads' shape."""

from __future__ import annotations

from queue_app.contract import bodies, payloads, reports, schemas
from queue_app.domain.states import TicketState
from queue_app.domain.vocabulary import CounterState, Outcome, Priority, Role
from queue_app.services.csv_export import FIGURE_COLUMNS

from .conftest import API, Api, assert_error


def test_the_report_figures_are_the_csv_columns_in_order() -> None:
    counts = [name for name in reports.Figures.__annotations__ if name not in FIGURE_COLUMNS]
    # The durations, then the outcomes of the services (issue 18; CSV columns of their own).
    assert counts == ["wait", "walk", "service", "outcomes", "incomplete_documents_rate"]
    assert [n for n in reports.Figures.__annotations__ if n in FIGURE_COLUMNS] == FIGURE_COLUMNS


def test_the_documents_vocabularies_are_the_domains() -> None:
    components = schemas.components()
    ticket = components["PublicTicket"]["properties"]
    assert ticket["state"]["enum"] == [s.value for s in TicketState]
    assert ticket["priority"]["enum"] == [*(p.value for p in Priority), None]
    assert components["Counter"]["properties"]["state"]["enum"] == [s.value for s in CounterState]
    assert components["TokenUser"]["properties"]["role"]["enum"] == [r.value for r in Role]
    issue = schemas.body(bodies.IssueBody)["properties"]["priority"]["anyOf"]
    assert {"$ref": "#/components/schemas/Priority"} in issue
    assert components["Priority"]["enum"] == [p.value for p in Priority]
    assert components["Outcome"]["enum"] == [o.value for o in Outcome]


def test_every_payload_is_a_component() -> None:
    names = set(schemas.components())
    assert {kind.__name__ for kind in schemas.RESPONSES} <= names
    assert {"TicketService", "CurrentTicket", "Hall", "DurationStats"} <= names
    assert payloads.IssuedTicket.__required_keys__ >= payloads.PublicTicket.__required_keys__


def test_a_refused_body_names_its_field(api: Api) -> None:
    body = assert_error(api.post(f"{API}/auth/token", json={"username": 7, "password": "x"}), 422)
    assert body["error"] == "invalid_input" and body["detail"] == {"field": "username"}
    assert body["message"] == "'username' must be a string of 1 to 128 characters"
    refused = api.post(f"{API}/tickets", json={"service": "A", "priority": "vip"})
    body = assert_error(refused, 422, "invalid_input")
    assert body["detail"] == {"field": "priority"}
    assert body["message"].startswith("'priority' must be one of elderly, disabled")
    body = assert_error(api.post(f"{API}/tickets", json={"priority": None}), 422, "invalid_input")
    assert body["message"] == "'service' is required (an id or a code)"
    body = assert_error(api.post(f"{API}/tickets", json={"service": "A1"}), 422, "invalid_input")
    assert body["message"] == "'service' is not a valid service code"
