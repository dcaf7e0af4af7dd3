"""A fuzz run over the whole OpenAPI document (schemathesis, in-process against the WSGI app):
for every operation, generated requests — anonymous and with an admin's Bearer token — never
get a 5xx, and every response keeps the document's promises (status code listed, the headers
it calls required present and well formed, body valid against its schema).

Then schemathesis' coverage phase: requests at the edges of each schema (an id's minimum and
maximum, the shortest and longest string, each enum value, a value just outside) and every
operation sent the methods it does not declare. Besides the checks above: an undeclared
method is answered 405 with `Allow`, and a request the document calls valid is not refused
(422) except for the reasons the document gives in words (see `refused_for_its_meaning`).

Bounded: a few examples per operation, and the coverage phase's fixed few hundred requests,
so the run takes well under 90 s on SQLite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from queue_app.domain.errors import InvalidInput
from queue_app.extensions import db
from queue_app.models import Service, Ticket
from queue_app.services.reports import parse_period
from queue_app.web.openapi import openapi_document

from ..conftest import app_with_tables, build_hall
from ..helpers import bearer

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The small hall on SQLite, with a few tickets in several states to find."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'loket.db'}"
    with app_with_tables(url) as app:
        with app.app_context():
            build_hall()
            db.session.commit()
        client = app.test_client()
        admin = bearer(app, "admin")
        for service in "AABAB":
            assert client.post("/api/v1/tickets", json={"service": service}).status_code == 201
        assert client.post("/api/v1/counters/1/call-next", headers=admin).status_code == 200
        yield app


@pytest.fixture(scope="module")
def admin_headers(fuzzed_app: Flask) -> dict[str, str]:
    return bearer(fuzzed_app, "admin")


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests every run: a failure reproduces
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz_every_operation(api_schema: Any, headers: dict[str, str]) -> Counter[int]:
    """Run each operation's generated cases through the app and the checks (Hypothesis shows
    the failing request); returns how often each status came back. schemathesis' own pytest
    decorator needs pytest's private node ids, which pytest 9 no longer has, so the operations
    are driven through its Python API."""
    statuses: Counter[int] = Counter()
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case: Case) -> None:
            response = case.call_and_validate(checks=CHECKS, headers=headers)
            statuses[response.status_code] += 1

        run()
        operations += 1
    # every operation but the document itself (schemathesis leaves out where it loaded it)
    assert operations == len(operations_in(openapi_document())) - 1
    return statuses


def operations_in(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(path, method) for path, item in document["paths"].items() for method in item]


def test_anonymous_requests_never_fail_the_server_or_the_schema(api_schema: Any) -> None:
    statuses = fuzz_every_operation(api_schema, {})
    assert sum(statuses.values()) > 100
    assert statuses[401] > 0 and statuses[200] > 0 and statuses[422] > 0, statuses


def test_admin_requests_never_fail_the_server_or_the_schema(
    api_schema: Any, admin_headers: dict[str, str]
) -> None:
    statuses = fuzz_every_operation(api_schema, admin_headers)
    assert sum(statuses.values()) > 100
    # past authentication: unknown ids are 404 (401 only from wrong passwords at auth/token)
    assert statuses[200] > 0 and statuses[404] > statuses[401], statuses


# -- the coverage phase -----------------------------------------------------------------------

BOOKING_MEANINGS = ("invalid_date", "invalid_session", "invalid_holder_id")
REPORTS = ("/api/v1/reports/daily", "/api/v1/reports/tickets.csv", "/api/v1/reports/ikm")


def refused_for_its_meaning(app: Flask, case: Case, body: Any) -> bool:
    """A 422 the document gives in words, for what a valid-looking request means rather than
    its form: a well-formed service id or code no service of the site has (`unknown_service`);
    a report period that is not one `date` or an ordered `from`/`to` range of at most 92
    days (the parameters are each valid alone); a transfer to the ticket's own service; an
    Idempotency-Key used before with another body (`idempotency_mismatch`: the generator
    repeats its keys). Online registration (issue 16): a well-formed day one may not book
    (`invalid_date`, with its reason), an id that is no session of that service and day
    (`invalid_session`), a holder id that is no NIK or mobile number (`invalid_holder_id`,
    what is wrong in words), a check-in naming neither or both of code and token, and the
    desk's look-up naming neither or both of code and holder id (or a holder id without its
    day)."""
    if not isinstance(body, dict):
        return False
    meanings = ("unknown_service", "idempotency_mismatch", *BOOKING_MEANINGS)
    if body.get("error") in meanings:
        return True
    if case.operation.path == "/api/v1/bookings/lookup":
        asked = case.query or {}
        return ("code" in asked) == ("holder_id" in asked) or "date" not in asked
    if case.operation.path == "/api/v1/bookings/check-in" and isinstance(case.body, dict):
        return ("code" in case.body) == ("token" in case.body) or None in case.body.values()
    if case.operation.path in REPORTS:
        query = {k: str(v) for k, v in (case.query or {}).items()}
        try:
            parse_period(query.get("date"), query.get("from"), query.get("to"))
        except InvalidInput:
            return True
        return False
    if case.operation.path.endswith("/transfer") and isinstance(case.body, dict):
        with app.app_context():
            ticket = db.session.get(Ticket, int(case.path_parameters["ticket_id"]))
            service = db.session.get(Service, ticket.service_id) if ticket else None
            ref = str(case.body.get("service", "")).strip().upper()
            return service is not None and ref in (str(service.id), service.code)
    return False


def valid_requests_are_accepted(app: Flask) -> Any:
    """schemathesis' `positive_data_acceptance`, less the refusals `refused_for_its_meaning`
    excuses."""

    def check(ctx: CheckContext, response: Response, case: Case) -> bool | None:
        if response.status_code == 422:
            try:
                body = response.json()
            except ValueError:
                body = None
            if refused_for_its_meaning(app, case, body):
                return None
        return positive_data_acceptance(ctx, response, case)

    return check


def cover_every_operation(app: Flask, headers: dict[str, str]) -> Counter[int]:
    """Send each operation's coverage-phase cases (valid and invalid ones) through the app and
    the checks; the first failure raises with the request that caused it. Returns how often
    each status came back. A schema of its own: a schema sends each undeclared method once."""
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [*CHECKS, unsupported_method, valid_requests_are_accepted(app)]
    statuses: Counter[int] = Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        config = api_schema.config.generation_for(operation=operation, phase="coverage")
        for case in api_schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=config,
        ):
            response = case.call_and_validate(checks=checks, headers=headers)
            statuses[response.status_code] += 1
    return statuses


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_edge_values_and_undeclared_methods_keep_the_documents_promises(
    fuzzed_app: Flask, admin_headers: dict[str, str], who: str
) -> None:
    statuses = cover_every_operation(fuzzed_app, admin_headers if who == "admin" else {})
    # every operation was sent methods it does not declare, and valid and invalid values
    assert statuses[405] >= len(operations_in(openapi_document())) - 1, statuses
    assert statuses[422] > 0 and statuses[200] > 0, statuses
