"""A method a URL does not take is answered 405 with an `Allow` header (RFC 9110) naming
exactly the methods it does take, on every route: the API (JSON errors) and the pages (HTML)."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.routing import Rule

#: Tried in this order: the first one a route does not take is sent.
UNUSUAL = ["PATCH", "PUT", "DELETE", "TRACE"]


def example_url(rule: Rule) -> str:
    """The rule's own URL (not another rule of its endpoint) with 1 for each argument (an id,
    or a token's text)."""
    built = rule.build(dict.fromkeys(rule.arguments, 1))
    assert built is not None, rule.rule
    return built[1]


def werkzeug_allows(app: Flask, path: str, method: str) -> set[str]:
    """The methods Werkzeug's router itself says `path` takes, when sent `method`."""
    try:
        app.url_map.bind("localhost").match(path, method=method)
    except MethodNotAllowed as exc:
        return set(exc.valid_methods or ())
    raise AssertionError(f"{method} {path} is routed")


def allowed(header: str | None) -> set[str]:
    return {m.strip() for m in (header or "").split(",") if m.strip()}


def test_every_route_answers_an_unaccepted_method_with_405_and_allow(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    # A path may have a view per method (GET /logout shows the form, POST /logout signs out):
    # its Allow header names every method of the path.
    by_path: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        by_path.setdefault(rule.rule, set()).update(rule.methods or ())
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        accepted = by_path[rule.rule]
        method = next(m for m in UNUSUAL if m not in accepted)
        path = example_url(rule)
        response = client.open(path, method=method)
        where = f"{method} {path}"
        assert response.status_code == 405, where
        assert "Allow" in response.headers, where
        assert allowed(response.headers["Allow"]) == werkzeug_allows(app, path, method), where
        assert allowed(response.headers["Allow"]) == accepted, where
        if path.startswith("/api/"):
            assert response.mimetype == "application/json", where
            assert response.get_json()["error"] == "method_not_allowed", where
        else:
            assert response.mimetype == "text/html", where
        checked += 1
    assert checked >= 50  # every API route and every page


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/admin/services"])
def test_the_allow_header_is_what_the_route_takes(app: Flask, path: str) -> None:
    response = app.test_client().delete(path)
    expected = {"/api/v1/tickets": "OPTIONS, POST", "/admin/services": "GET, HEAD, OPTIONS"}
    assert response.status_code == 405
    assert ", ".join(sorted(allowed(response.headers.get("Allow")))) == expected[path]
