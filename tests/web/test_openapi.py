"""The OpenAPI document at /api/v1/openapi.json: a valid OpenAPI 3.1 document, listing exactly
the routes the `api` blueprint serves, whose response schemas the real responses match."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import BookingSettings, Site

from ..conftest import app_with_tables
from ..helpers import make_agency, make_service, make_user
from .booking_hall import NIKS, set_places
from .conftest import (
    API,
    COUNTER_VERBS,
    HUGE_BODY,
    TICKET_VERBS,
    Api,
    add_service,
    assert_error,
)

DOC_URI = "urn:loket:openapi"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
UNKNOWN = 987654

Record = tuple[str, str, int, TestResponse]  # (method, path template, status, response)


def openapi_path(rule: str) -> str:
    """Flask's `/tickets/<int:ticket_id>/start` as OpenAPI's `/tickets/{ticket_id}/start`."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    response = api.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return dict(response.get_json())


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_document_lists_exactly_the_blueprint_routes(app: Flask, document: dict[str, Any]) -> None:
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert len(routes) >= 18  # sanity: the blueprint really was found
    assert operations(document) == routes


# -- real responses against the documented schemas --------------------------------------------


class Recorder:
    """Records each request `api` makes, keyed by the route template it matched."""

    def __init__(self, app: Flask) -> None:
        self.adapter = app.url_map.bind("localhost")
        self.records: list[Record] = []

    def __call__(self, method: str, url: str, response: TestResponse) -> None:
        path = url.split("?", 1)[0]
        if not path.startswith(API):
            return
        rule, _ = self.adapter.match(path, method=method, return_rule=True)
        self.records.append(
            (method.lower(), openapi_path(rule.rule), response.status_code, response)
        )


#: Rate limits low enough for `exercise` to reach them from a flooding address and for one
#: guessed username, above what its ordinary traffic from 127.0.0.1 sends (about a dozen).
FLOOD, GUESSES = 20, 3


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app with its rate limits on, so that 429 is produced and checked too."""
    limits = {
        "RATELIMIT_ENABLED": True,
        "ISSUE_RATE_LIMIT_PER_IP": f"{FLOOD} per minute",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_RATE_LIMIT_PER_USER_ADDRESS": f"{GUESSES} per minute",
        "SURVEY_RATE_LIMIT_PER_IP": f"{FLOOD} per minute",
        "HOLDER_CANCEL_RATE_LIMIT_PER_IP": f"{GUESSES} per minute",
        "NOT_READY_RATE_LIMIT_PER_IP": f"{GUESSES} per minute",
        "ISSUE_RATE_LIMIT_PER_DEVICE": f"{FLOOD} per minute",
        "BOOKING_RATE_LIMIT_PER_IP": f"{FLOOD} per minute",
        "BOOKING_READ_RATE_LIMIT_PER_IP": f"{FLOOD} per minute",
    }
    with app_with_tables(database_url, **limits) as application:
        yield application


def exercise(app: Flask, api: Api) -> list[Record]:
    """A day at the hall touching every documented status of every route."""
    recorder = Recorder(app)
    api.observers.append(recorder)
    hall = api.hall
    add_service(app, hall.site_id, "C")  # no counter serves C
    add_service(app, hall.site_id, "Q", quota=1)
    add_service(app, hall.site_id, "X", is_open=False)
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        bank = make_agency(db.session, site, "BANK", daily_cap=1)
        online = make_agency(db.session, site, "ONL", walk_in=False)
        make_service(db.session, site, "K", agency=bank)
        make_service(db.session, site, "O", agency=online)
        db.session.commit()

    # public reads and issuing
    api.get(f"{API}/openapi.json")
    a1 = api.issue("A")
    a2 = api.issue("a", priority="elderly", channel="kiosk")
    b1 = api.issue(hall.service_b)
    c1 = api.issue("C")
    api.issue("Q")
    assert_error(api.post(f"{API}/tickets", json={"service": "Q"}), 409, "quota_reached")
    assert_error(api.post(f"{API}/tickets", json={"service": "X"}), 409, "service_closed")
    api.issue("K")
    assert_error(api.post(f"{API}/tickets", json={"service": "K"}), 409, "agency_cap_reached")
    assert_error(api.post(f"{API}/tickets", json={"service": "O"}), 409, "walk_in_not_accepted")
    assert_error(api.post(f"{API}/tickets", data=HUGE_BODY, content_type="application/json"), 413)
    assert_error(api.post(f"{API}/tickets", data="A", content_type="text/plain"), 415)
    assert_error(api.post(f"{API}/tickets", json={"service": "ZZ"}), 422, "unknown_service")
    assert_error(api.post(f"{API}/tickets", json={"service": 1.5}), 422)
    unknown_site = {"site": UNKNOWN}
    assert_error(api.post(f"{API}/tickets", query_string=unknown_site, json={"service": "A"}), 404)
    api.public(a1["token"])
    assert_error(api.get(f"{API}/tickets/by-token/not-a-token"), 404)
    # the holder leaves the queue (a ticket of its own: the rest of the day needs the others)
    leaving = api.issue("A")["token"]
    assert api.post(f"{API}/tickets/by-token/{leaving}/cancel").status_code == 200
    assert_error(api.post(f"{API}/tickets/by-token/{leaving}/cancel"), 409, "invalid_transition")
    guesser = {"environ_base": {"REMOTE_ADDR": "10.9.9.8"}}
    for _ in range(GUESSES):
        assert_error(api.post(f"{API}/tickets/by-token/not-a-token/cancel", **guesser), 404)
    assert_error(
        api.post(f"{API}/tickets/by-token/not-a-token/cancel", **guesser), 429, "rate_limited"
    )
    # "not yet" at the kiosk's requirements step: a visit saved, rate-limited per address
    hurried = {"environ_base": {"REMOTE_ADDR": "10.9.9.7"}}
    services = api.get(f"{API}/services").get_json()
    a_id = next(s["id"] for s in services if s["code"] == "A")
    assert api.post(f"{API}/services/{a_id}/not-ready", **hurried).status_code == 201
    assert_error(api.post(f"{API}/services/{UNKNOWN}/not-ready", **hurried), 404)
    assert api.post(f"{API}/services/{a_id}/not-ready", **hurried).status_code == 201
    assert_error(api.post(f"{API}/services/{a_id}/not-ready", **hurried), 429, "rate_limited")
    zone = api.get(f"{API}/zones").get_json()[0]["id"]
    assert api.get(f"{API}/board", query_string={"zone": zone}).status_code == 200
    assert_error(api.get(f"{API}/board", query_string={"zone": UNKNOWN}), 404)
    assert_error(api.get(f"{API}/services", query_string={"agency": "x"}), 422)
    assert api.get(f"{API}/services", query_string={"zone": zone}).status_code == 200
    for path in ("/services", "/counters", "/board", "/zones", "/agencies"):
        assert api.get(f"{API}{path}", query_string={"site": hall.site_id}).status_code == 200
        assert_error(api.get(f"{API}{path}", query_string={"site": UNKNOWN}), 404)
        assert_error(api.get(f"{API}{path}", query_string={"site": "x"}), 422)

    # tokens
    good = {"username": "clerk1", "password": "password123"}
    assert api.post(f"{API}/auth/token", json=good).status_code == 201
    assert_error(api.post(f"{API}/auth/token", json={**good, "password": "nope-nope"}), 401)
    assert_error(api.post(f"{API}/auth/token", data="clerk1", content_type="text/plain"), 415)
    assert_error(
        api.post(f"{API}/auth/token", data=HUGE_BODY, content_type="application/json"), 413
    )
    assert_error(api.post(f"{API}/auth/token", json={"username": "clerk1"}), 422)

    # call-next
    assert_error(api.post(f"{API}/counters/{hall.counter_1}/call-next"), 401)
    assert_error(api.call_next(hall.counter_1, "clerk2"), 403)
    assert_error(api.call_next(UNKNOWN, "clerk1"), 404)
    assert api.called(hall.counter_1, "clerk1")["id"] == a1["id"]
    assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_busy")

    # call a chosen ticket (a1 is called at counter 1 now; c1 waits in C, served by no counter)
    chosen = f"{API}/counters/{hall.counter_2}/call"
    assert_error(api.post(f"{chosen}/{b1['id']}"), 401)
    assert_error(api.post(f"{chosen}/{b1['id']}", user="clerk1"), 403)
    assert_error(api.post(f"{chosen}/{c1['id']}", user="clerk2"), 403)
    assert_error(api.post(f"{chosen}/{UNKNOWN}", user="clerk2"), 404)
    assert_error(api.post(f"{chosen}/{a1['id']}", user="clerk2"), 409, "invalid_transition")
    assert api.ok(api.post(f"{chosen}/{b1['id']}", user="clerk2"))["id"] == b1["id"]
    api.ok(api.act(b1["id"], "requeue", "clerk2"))

    # every ticket verb: 401, 404, 403 (a1 is called at counter 1), 409 (b1 is waiting)
    for verb in [*TICKET_VERBS, "transfer"]:
        body = {"service": "B"} if verb == "transfer" else None
        assert_error(api.post(f"{API}/tickets/{a1['id']}/{verb}", json=body), 401)
        assert_error(api.act(UNKNOWN, verb, "admin", json=body), 404)
        if verb not in ("reinstate", "cancel"):
            assert_error(api.act(a1["id"], verb, "clerk2", json=body), 403)
            other = {"service": "A"} if verb == "transfer" else None  # b1 is in B already
            assert_error(api.act(b1["id"], verb, "super", json=other), 409, "invalid_transition")
    assert_error(api.act(b1["id"], "reinstate", "super"), 409, "invalid_transition")
    assert_error(api.act(a1["id"], "cancel", "clerk1"), 409, "invalid_transition")
    assert_error(api.act(c1["id"], "cancel", "clerk1"), 403)
    assert_error(api.act(a1["id"], "transfer", "clerk1", data="B", content_type="text/plain"), 415)
    assert_error(api.transfer(a1["id"], "ZZ", "clerk1"), 422, "unknown_service")
    assert_error(api.transfer(a1["id"], "A", "clerk1"), 422)
    too_big = {"data": HUGE_BODY, "content_type": "application/json"}
    assert_error(api.act(a1["id"], "transfer", "clerk1", **too_big), 413)
    finish = {"content_type": "text/plain", "data": "done"}
    assert_error(api.act(a1["id"], "finish", "clerk1", **finish), 415)
    assert_error(api.act(a1["id"], "finish", "clerk1", json={"outcome": "lost"}), 422)
    assert_error(api.act(a1["id"], "finish", "clerk1", **too_big), 413)

    # the successes
    api.ok(api.act(a1["id"], "recall", "clerk1"))
    api.ok(api.act(a1["id"], "start", "clerk1"))
    api.ok(api.transfer(a1["id"], "B", "clerk1"))
    assert api.called(hall.counter_2, "clerk2")["id"] == a1["id"]
    api.ok(api.act(a1["id"], "finish", "clerk2"))
    assert api.called(hall.counter_2, "clerk2")["id"] == b1["id"]
    api.ok(api.act(b1["id"], "requeue", "clerk2"))
    assert api.called(hall.counter_2, "clerk2")["id"] == b1["id"]
    api.ok(api.act(b1["id"], "no-show", "clerk2"))
    assert_error(api.act(b1["id"], "reinstate", "clerk1"), 403)
    api.ok(api.act(b1["id"], "reinstate", "clerk2"))
    api.ok(api.act(b1["id"], "cancel", "clerk2"))
    api.ok(api.act(a2["id"], "cancel", "clerk1"))
    assert api.call_next(hall.counter_1, "clerk1").status_code == 204  # only C and Q wait

    # counters
    a3 = api.issue("A")
    for verb in COUNTER_VERBS:
        assert_error(api.post(f"{API}/counters/{hall.counter_1}/{verb}"), 401)
        assert_error(api.counter(hall.counter_1, verb, "clerk2"), 403)
        assert_error(api.counter(UNKNOWN, verb, "clerk1"), 404)
    assert api.called(hall.counter_1, "clerk1")["id"] == a3["id"]
    assert_error(api.counter(hall.counter_1, "close", "clerk1"), 409, "counter_busy")
    api.ok(api.counter(hall.counter_1, "pause", "clerk1"))
    assert_error(api.call_next(hall.counter_1, "clerk1"), 409, "counter_not_open")
    api.ok(api.counter(hall.counter_1, "open", "clerk1"))
    api.ok(api.act(a3["id"], "finish", "clerk1"))
    api.ok(api.counter(hall.counter_1, "close", "clerk1"))
    api.board()
    api.counters()
    api.services()

    # the satisfaction survey (issue 18): a1 and a3 are done, b1 was cancelled
    answers = {"answers": [4, 3, 3, 4, 3, 4, 4, 2, 3], "respondent": {"sex": "P"}}
    survey = f"{API}/tickets/by-token/{{}}/survey".format
    assert api.post(survey(a1["token"]), json=answers).status_code == 201
    assert_error(api.post(survey(a1["token"]), json=answers), 409, "survey_closed")
    assert_error(api.post(survey(b1["token"]), json=answers), 409, "survey_closed")
    assert_error(api.post(survey("not-a-token"), json=answers), 404)
    assert_error(api.post(survey(a3["token"]), json={"answers": [5] * 9}), 422)
    assert_error(api.post(survey(a3["token"]), data="4", content_type="text/plain"), 415)
    assert_error(api.post(survey(a3["token"]), **too_big), 413)

    # estimates (public) and reports (supervisors and admins)
    assert api.get(f"{API}/estimates").status_code == 200
    assert_error(api.get(f"{API}/estimates", query_string={"site": UNKNOWN}), 404)
    assert_error(api.get(f"{API}/estimates", query_string={"site": "x"}), 422)
    today = api.board()["service_day"]
    for path in ("/reports/daily", "/reports/tickets.csv", "/reports/ikm"):
        url = f"{API}{path}"
        day = {"date": today}
        assert api.get(url, query_string=day, user="super").status_code == 200
        assert_error(api.get(url, query_string=day), 401)
        assert_error(api.get(url, query_string=day, user="clerk1"), 403)
        assert_error(api.get(url, query_string={**day, "site": UNKNOWN}, user="admin"), 404)
        assert_error(api.get(url, query_string={"date": "15/06/2026"}, user="super"), 422)
        assert_error(api.get(url, user="super"), 422)

    # rate limits (this module's app has them on, see `app` above): an address flooding the
    # issue endpoint, and password guessing for one username
    flooder = {"environ_base": {"REMOTE_ADDR": "10.9.9.9"}}
    for _ in range(FLOOD):
        assert api.post(f"{API}/tickets", json={"service": "A"}, **flooder).status_code == 201
    assert_error(api.post(f"{API}/tickets", json={"service": "A"}, **flooder), 429, "rate_limited")
    # every survey try counts (the token is the credential): a guesser is throttled
    for _ in range(FLOOD):
        assert_error(api.post(survey("guessed-token"), json=answers, **flooder), 404)
    assert_error(api.post(survey("guessed-token"), json=answers, **flooder), 429, "rate_limited")
    guess = {"username": "guesser", "password": "wrong-guess"}
    for _ in range(GUESSES):
        assert_error(api.post(f"{API}/auth/token", json=guess), 401)
    assert_error(api.post(f"{API}/auth/token", json=guess), 429, "rate_limited")

    exercise_bookings(app, api)
    api.observers.remove(recorder)
    return recorder.records


#: Monday 7 December 2026, 07:00 in Jakarta: inside the morning booking window.
BOOKING_MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)


def exercise_bookings(app: Flask, api: Api) -> None:
    """Online registration (issue 16): service O (its agency takes no walk-ins) is booked."""
    with app.app_context():
        db.session.add(BookingSettings(site_id=api.hall.site_id, week_limit=1, days_ahead=2))
        make_user(db.session, "kiosk", Role.KIOSK)
        db.session.commit()
    tuesday, wednesday = "2026-12-08", "2026-12-09"
    avail, books = f"{API}/booking/availability", f"{API}/bookings"
    with time_machine.travel(BOOKING_MONDAY, tick=False):
        got = api.get(avail, query_string={"service": "O", "date": tuesday})
        assert got.status_code == 200
        slots = got.get_json()["sessions"]  # the hall is open all day: 24 sessions
        later = api.get(avail, query_string={"service": "O", "date": wednesday})
        with app.app_context():
            set_places(slots[8]["id"], 1)  # 08:00-09:00
            set_places(slots[9]["id"], 5)
            set_places(later.get_json()["sessions"][8]["id"], 5)
        assert_error(api.get(avail, query_string={"service": "O", "date": "2026-12-20"}), 422)
        assert_error(api.get(avail, query_string={"service": "ZZ", "date": tuesday}), 404)
        body = {"service": "O", "date": tuesday, "session": slots[8]["id"], "holder_id": NIKS[0]}
        made = api.post(books, json=body)
        assert made.status_code == 201, made.get_json()
        code, token = made.get_json()["code"], made.get_json()["token"]
        assert_error(api.post(books, json=body), 409, "already_booked")
        assert_error(api.post(books, json={**body, "holder_id": NIKS[1]}), 409, "session_full")
        assert_error(api.post(books, json={**body, "service": "A"}), 409, "walk_in_only")
        week = {**body, "date": wednesday, "session": later.get_json()["sessions"][8]["id"]}
        assert_error(api.post(books, json=week), 409, "booking_limit")
        assert_error(api.post(books, json={**body, "holder_id": "123"}), 422)
        assert_error(api.post(books, data=HUGE_BODY, content_type="application/json"), 413)
        assert_error(api.post(books, data="O", content_type="text/plain"), 415)
        assert_error(api.post(books, json=body, query_string={"site": UNKNOWN}), 404)
        with time_machine.travel(datetime(2026, 12, 7, 4, 0, tzinfo=UTC), tick=False):
            assert_error(api.post(books, json=body), 403, "booking_closed")
        assert api.get(f"{API}/bookings/by-token/{token}").status_code == 200
        assert_error(api.get(f"{API}/bookings/by-token/not-a-token"), 404)
        leaving = {**body, "session": slots[9]["id"], "holder_id": NIKS[2]}
        cancel = f"{API}/bookings/by-token/{{}}/cancel".format
        left = api.post(books, json=leaving).get_json()["token"]
        assert api.post(cancel(left)).status_code == 200
        assert_error(api.post(cancel(left)), 409, "booking_cancelled")
        assert_error(api.post(cancel("not-a-token")), 404)
        look_up = f"{API}/bookings/lookup"
        found = api.get(look_up, query_string={"code": code}, user="clerk1")
        assert [b["code"] for b in found.get_json()] == [code]
        by_holder = {"holder_id": NIKS[0], "date": tuesday}
        assert len(api.get(look_up, query_string=by_holder, user="clerk1").get_json()) == 1
        assert_error(api.get(look_up, query_string={"code": code}), 401)
        assert_error(api.get(look_up, query_string={"code": code}, user="kiosk"), 403)
        assert_error(api.get(look_up, user="clerk1"), 422)
        assert_error(api.get(look_up, query_string={"holder_id": NIKS[0]}, user="clerk1"), 422)
        unknown = {"code": code, "site": UNKNOWN}
        assert_error(api.get(look_up, query_string=unknown, user="clerk1"), 404)
        check_in = f"{API}/bookings/check-in"
        assert_error(api.post(check_in, json={"code": code}), 401)
        assert_error(api.post(check_in, json={"code": code}, user="clerk1"), 409, "not_today")
        assert_error(api.post(check_in, json={"code": "XXXXXX"}, user="clerk1"), 404)
        assert_error(api.post(check_in, json={}, user="clerk1"), 422)
        assert_error(api.post(check_in, data="x", content_type="text/plain", user="clerk1"), 415)
        too_big = {"data": HUGE_BODY, "content_type": "application/json"}
        assert_error(api.post(check_in, user="clerk1", **too_big), 413)
        flooder = {"environ_base": {"REMOTE_ADDR": "10.9.8.1"}}
        for _ in range(FLOOD):
            api.get(avail, query_string={"service": "O", "date": tuesday}, **flooder)
            api.get(f"{API}/bookings/by-token/not-a-token", **flooder)
            api.post(books, json={}, **flooder)
            api.post(cancel("not-a-token"), **flooder)
        assert_error(api.get(avail, query_string={"service": "O"}, **flooder), 429)
        assert_error(api.get(f"{API}/bookings/by-token/x", **flooder), 429)
        assert_error(api.post(books, json={}, **flooder), 429)
        assert_error(api.post(cancel("x"), **flooder), 429)
    with time_machine.travel(datetime(2026, 12, 8, 1, 0, tzinfo=UTC), tick=False):
        assert api.post(check_in, json={"code": code}, user="clerk1").status_code == 201
        assert_error(api.post(check_in, json={"code": code}, user="super"), 409)
        for _ in range(FLOOD - 1):
            api.post(check_in, json={"code": "XXXXXX"}, user="super")
        assert_error(api.post(check_in, json={"code": code}, user="super"), 429)


def response_validator(document: dict[str, Any], pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` in the document, its `$ref`s resolved."""
    registry: Registry[Any] = Registry().with_resource(
        DOC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{DOC_URI}#{pointer}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def header_problems(where: str, headers: dict[str, Any], response: TestResponse) -> list[str]:
    """Every documented header the response lacks (when required) or sends malformed."""
    problems = []
    for name, header in headers.items():
        value = response.headers.get(name)
        if value is None:
            if header.get("required"):
                problems.append(f"{where}: required header {name} missing")
            continue
        schema = header["schema"]
        sent: Any = int(value) if schema.get("type") == "integer" and value.isdigit() else value
        for error in Draft202012Validator(schema).iter_errors(sent):
            problems.append(f"{where}: header {name}: {error.message}")
    return problems


def schema_problems(document: dict[str, Any], records: list[Record]) -> list[str]:
    """Every way the recorded responses disagree with the document."""
    problems = []
    validators: dict[str, Draft202012Validator] = {}
    for method, path, status, response in records:
        where = f"{method.upper()} {path} {status}"
        documented = document["paths"][path][method]["responses"]
        if str(status) not in documented:
            problems.append(f"{where}: status not documented")
            continue
        problems += header_problems(where, documented[str(status)].get("headers", {}), response)
        content = documented[str(status)].get("content", {})
        if not content:
            if response.get_data():
                problems.append(f"{where}: documented without a body, got one")
            continue
        if "text/csv" in content:
            # A CSV download: the type it promises, and a header row.
            if response.mimetype != "text/csv":
                problems.append(f"{where}: documented as CSV, sent {response.mimetype}")
            elif not response.get_data(as_text=True).partition("\n")[0].count(","):
                problems.append(f"{where}: CSV without a header row")
            continue
        if "application/json" not in content:
            problems.append(f"{where}: documented content is not JSON")
            continue
        if response.mimetype != "application/json":
            problems.append(f"{where}: sent {response.mimetype}")
            continue
        if "schema" not in content["application/json"]:
            continue
        steps = ["paths", path, method, "responses", str(status), "content", "application/json"]
        pointer = "/" + "/".join(escape(s) for s in [*steps, "schema"])
        if pointer not in validators:
            validators[pointer] = response_validator(document, pointer)
        for error in validators[pointer].iter_errors(response.get_json()):
            problems.append(f"{where}: {error.json_path}: {error.message}")
    return problems


def test_real_responses_match_their_documented_schemas(
    app: Flask, api: Api, document: dict[str, Any]
) -> None:
    records = exercise(app, api)
    assert len(records) > 80
    assert schema_problems(document, records) == []


def test_the_schemas_catch_a_wrong_response(app: Flask, api: Api, document: dict[str, Any]) -> None:
    """The check above can fail: a response missing a required field does not validate."""
    ticket = api.issue("A")
    pointer = "/paths/~1api~1v1~1tickets/post/responses/201/content/application~1json/schema"
    validator = response_validator(document, pointer)
    assert list(validator.iter_errors(ticket)) == []
    broken = {k: v for k, v in ticket.items() if k != "status_url"}
    assert list(validator.iter_errors(broken))
    assert list(validator.iter_errors({**ticket, "issued_at": "yesterday"}))  # format checked
    assert list(validator.iter_errors({**ticket, "state": "lost"}))


def test_every_documented_status_is_produced(
    app: Flask, api: Api, document: dict[str, Any]
) -> None:
    produced = {(path, method, str(status)) for method, path, status, _ in exercise(app, api)}
    documented = {
        (path, method, status)
        for path, method in operations(document)
        for status in document["paths"][path][method]["responses"]
    }
    assert documented - produced == set()


def test_the_header_check_catches_a_missing_header(api: Api, document: dict[str, Any]) -> None:
    """`header_problems` can fail: a 401 without its challenge, or with the wrong one."""
    unauthorized = api.post(f"{API}/counters/1/call-next")
    documented = document["paths"]["/api/v1/counters/{counter_id}/call-next"]["post"]["responses"]
    headers = documented["401"]["headers"]
    assert header_problems("401", headers, unauthorized) == []
    del unauthorized.headers["WWW-Authenticate"]
    assert header_problems("401", headers, unauthorized) == [
        "401: required header WWW-Authenticate missing"
    ]
    unauthorized.headers["WWW-Authenticate"] = "Basic"
    assert header_problems("401", headers, unauthorized)


# -- the document states every rule of the validation -----------------------------------------

MAX_ID = 2**31 - 1
#: (operation, where the value goes, its name, the value): each is sent alone in a request
#: otherwise valid, and is rejected as malformed (422 invalid_input) exactly when the
#: document's schema for it rejects it. A query value is sent as its text.
FORM_CASES: list[tuple[str, str, str, str, Any]] = [
    *(
        ("/api/v1/services", "get", "query", "site", site)
        for site in (1, MAX_ID, 0, -1, MAX_ID + 1, "x", "")
    ),
    *(
        ("/api/v1/auth/token", "post", "body", "username", name)
        for name in ("", "x", "x" * 128, "x" * 129, 7, None)
    ),
    *(
        ("/api/v1/auth/token", "post", "body", "password", word)
        for word in ("", "x" * 128, "x" * 129)
    ),
    *(
        ("/api/v1/tickets", "post", "body", "service", ref)
        for ref in (1, MAX_ID, 0, -1, MAX_ID + 1, True, "A", "abc", "abcd", "1", "0", "", None)
    ),
    *(
        ("/api/v1/tickets", "post", "body", "priority", priority)
        for priority in ("elderly", "none", None, "vip", 3)
    ),
    *(
        ("/api/v1/reports/daily", "get", "query", "date", day)
        for day in ("2026-06-15", "2026-6-15", "2026-02-30", "15/06/2026", "20260615")
    ),
]


def schema_pointer(document: dict[str, Any], path: str, method: str, where: str, name: str) -> str:
    """Where the document gives the schema of query parameter or body property `name`."""
    operation = document["paths"][path][method]
    steps: list[str] = ["paths", path, method]
    if where == "query":
        index = next(i for i, p in enumerate(operation["parameters"]) if p["name"] == name)
        steps += ["parameters", str(index), "schema"]
    else:
        steps += ["requestBody", "content", "application/json", "schema", "properties", name]
    return "/" + "/".join(escape(s) for s in steps)


@pytest.mark.parametrize(("path", "method", "where", "name", "value"), FORM_CASES)
def test_the_document_and_the_validation_agree(
    api: Api, document: dict[str, Any], path: str, method: str, where: str, name: str, value: Any
) -> None:
    pointer = schema_pointer(document, path, method, where, name)
    documented_valid = response_validator(document, pointer).is_valid(value)
    if path == "/api/v1/auth/token":
        body = {"username": "clerk1", "password": "wrong-password", name: value}
        response = api.post(path, json=body)
    elif path == "/api/v1/tickets":
        response = api.post(path, json={"service": "A", name: value})
    else:
        user = "super" if path.startswith("/api/v1/reports") else None
        response = api.get(path, query_string={name: str(value)}, user=user)
    malformed = response.status_code == 422 and response.get_json()["error"] == "invalid_input"
    assert malformed == (not documented_valid), (value, response.get_data(as_text=True))
