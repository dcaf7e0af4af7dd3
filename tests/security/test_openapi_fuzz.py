"""A fuzz run over the whole OpenAPI document (schemathesis, in-process against the WSGI app):
for every operation, generated requests — anonymous and with an admin's Bearer token — never
get a 5xx, and every response matches the schema the document promises (status code listed,
body valid against its schema).

Bounded: a few examples per operation, so the run takes well under 90 s on SQLite.
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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from queue_app.extensions import db
from queue_app.web.openapi import openapi_document

from ..conftest import app_with_tables, build_hall
from ..helpers import bearer

EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


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
