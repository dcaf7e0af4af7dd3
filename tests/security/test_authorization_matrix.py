"""The authorization matrix: anonymous / kiosk / clerk of counter 1 / clerk of counter 2 /
supervisor / admin × every route of the app and every socket connect kind and event — allowed
exactly where intended.

The routes come from `app.url_map`: a route without a line in `EXPECTED` fails
`test_every_route_has_an_expectation`, so whoever adds a route has to say who may use it. The
same holds for socket events (`EXPECTED_EVENTS`) and connect kinds (`SOCKET_KINDS`).

Every request starts from the same hall (an SQLite file copied before each request), so an
allowed action really succeeds (2xx/3xx) and a refused one is refused for who it is, not because
an earlier request changed the state: anonymous callers get 401 (API) or the sign-in page
(pages), signed-in callers without the right get 403.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db, socketio
from queue_app.models import (
    Agency,
    Booking,
    BookingSession,
    BookingSettings,
    ClosedDay,
    Counter,
    Service,
    ServiceRequirement,
    Site,
    Ticket,
    User,
)
from queue_app.services import bookings, devices, staff, tickets
from queue_app.services.clock import utcnow

from ..conftest import make_app
from ..helpers import make_counter, make_service, make_site, make_user

ROOT = Path(__file__).resolve().parents[2]

ANON, KIOSK, CLERK1, CLERK2, SUPER, ADMIN = (
    "anonymous",
    "kiosk",
    "clerk1",
    "clerk2",
    "supervisor",
    "admin",
)
PRINCIPALS = (ANON, KIOSK, CLERK1, CLERK2, SUPER, ADMIN)
PASSWORD = "password123"

EVERYONE = frozenset(PRINCIPALS)
NOBODY: frozenset[str] = frozenset()
SIGNED_IN = EVERYONE - {ANON}
STAFF = frozenset({CLERK1, CLERK2, SUPER, ADMIN})
AT_COUNTER_1 = frozenset({CLERK1, SUPER, ADMIN})  # counter 1 is clerk1's
AT_COUNTER_2 = frozenset({CLERK2, SUPER, ADMIN})  # counter 2 is clerk2's
OVERSEERS = frozenset({SUPER, ADMIN})
ADMINS = frozenset({ADMIN})

C1, C2 = "<c1>", "<c2>"  # stand-ins for counter ids in EXPECTED, filled in per hall
T = "<int(max=2147483647):ticket_id>"

#: (method, rule) → who may use it. The hall: counter 1 (clerk1) has ticket X called and
#: ticket N marked no-show; W waits in service C, which only counter 1 serves; counter 2
#: (clerk2) is open and free, and P waits in B. Ticket routes act on X (reinstate on N,
#: cancel on W); counter routes on counter 2 (the terminal page on counter 1).
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # -- pages --------------------------------------------------------------------------------
    ("GET", "/"): EVERYONE,
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("GET", "/logout"): SIGNED_IN,
    ("POST", "/logout"): SIGNED_IN,
    ("POST", "/logout/everywhere"): SIGNED_IN,
    # A device's one-time enrolment link: whoever holds it (it is the credential).
    ("GET", "/enrol/<code>"): EVERYONE,
    ("GET", "/admin/devices"): ADMINS,
    ("POST", "/admin/devices"): ADMINS,
    ("POST", "/admin/devices/<int(max=2147483647):device_id>/link"): ADMINS,
    ("POST", "/admin/devices/<int(max=2147483647):device_id>/revoke"): ADMINS,
    ("GET", "/admin/devices/status"): OVERSEERS,
    ("GET", "/admin/notifications"): ADMINS,
    ("POST", "/admin/notifications/test"): ADMINS,
    ("GET", "/admin/notifications/settings"): ADMINS,
    ("POST", "/admin/notifications/settings"): ADMINS,
    ("POST", "/admin/notifications/<int(max=2147483647):message_seq>/resend"): ADMINS,
    ("GET", "/t/<token>"): EVERYONE,
    # A booking's status page and its cancel button: whoever holds its token (issue 16).
    ("GET", "/b/<token>"): EVERYONE,
    ("POST", "/b/<token>/cancel"): EVERYONE,
    # Its QR as an image (the booking page shows it), and the public booking page itself.
    ("GET", "/b/<token>/qr.svg"): EVERYONE,
    ("GET", "/daftar"): EVERYONE,
    ("GET", "/static/<path:filename>"): EVERYONE,
    # The counter's survey tablet: an enrolled device of kind `survey` only, none of these
    # (tests/web/test_survey_pages.py has the tablet itself); anonymous callers get a 403 page.
    ("GET", "/survey"): NOBODY,
    ("POST", "/survey/answer"): NOBODY,
    ("GET", "/kiosk"): EVERYONE,
    ("GET", "/kiosk/ticket/<token>"): EVERYONE,
    # The kiosk's "register online" panel: the QR code of the booking page's address.
    ("GET", "/kiosk/register-online.svg"): EVERYONE,
    ("GET", "/display"): EVERYONE,
    ("GET", "/counter"): STAFF,
    # Reprinting a lost slip: staff of any role, never a kiosk account (issue 13, item 13).
    ("GET", "/reprint"): STAFF,
    ("POST", "/reprint"): STAFF,
    ("GET", "/counter/<int(max=2147483647):counter_id>"): AT_COUNTER_1,
    # The booking desk (issue 16, item 8): staff of any role look bookings up and check them
    # in for someone; never a kiosk account.
    ("GET", "/desk/bookings"): STAFF,
    # -- admin console: admins; the overview and the reports: supervisors too -----------------
    ("GET", "/admin"): OVERSEERS,
    ("GET", "/admin/overview"): OVERSEERS,
    ("GET", "/admin/reports"): OVERSEERS,
    ("GET", "/admin/reports/aggregates.csv"): OVERSEERS,
    ("GET", "/admin/reports/tickets.csv"): OVERSEERS,
    ("GET", "/admin/reports/agencies.csv"): OVERSEERS,
    ("GET", "/admin/reports/zones.csv"): OVERSEERS,
    ("GET", "/admin/reports/bookings.csv"): OVERSEERS,
    ("GET", "/admin/reports/ikm"): OVERSEERS,
    ("GET", "/admin/reports/ikm.csv"): OVERSEERS,
    ("GET", "/admin/audit"): ADMINS,
    ("GET", "/admin/audit.csv"): ADMINS,
    ("GET", "/admin/services"): ADMINS,
    ("GET", "/admin/services/new"): ADMINS,
    ("POST", "/admin/services/new"): ADMINS,
    ("GET", "/admin/services/<int(max=2147483647):service_id>"): ADMINS,
    ("POST", "/admin/services/<int(max=2147483647):service_id>"): ADMINS,
    ("POST", "/admin/services/<int(max=2147483647):service_id>/move"): ADMINS,
    ("POST", "/admin/services/<int(max=2147483647):service_id>/requirements"): ADMINS,
    (
        "POST",
        "/admin/services/<int(max=2147483647):service_id>/requirements/"
        "<int(max=2147483647):requirement_id>",
    ): ADMINS,
    (
        "POST",
        "/admin/services/<int(max=2147483647):service_id>/requirements/"
        "<int(max=2147483647):requirement_id>/move",
    ): ADMINS,
    (
        "POST",
        "/admin/services/<int(max=2147483647):service_id>/requirements/"
        "<int(max=2147483647):requirement_id>/remove",
    ): ADMINS,
    ("GET", "/admin/counters"): ADMINS,
    ("GET", "/admin/counters/new"): ADMINS,
    ("POST", "/admin/counters/new"): ADMINS,
    ("GET", "/admin/counters/<int(max=2147483647):counter_id>"): ADMINS,
    ("POST", "/admin/counters/<int(max=2147483647):counter_id>"): ADMINS,
    ("GET", "/admin/zones"): ADMINS,
    ("GET", "/admin/zones/new"): ADMINS,
    ("POST", "/admin/zones/new"): ADMINS,
    ("GET", "/admin/zones/<int(max=2147483647):zone_id>"): ADMINS,
    ("POST", "/admin/zones/<int(max=2147483647):zone_id>"): ADMINS,
    ("GET", "/admin/agencies"): ADMINS,
    ("GET", "/admin/agencies/new"): ADMINS,
    ("POST", "/admin/agencies/new"): ADMINS,
    ("GET", "/admin/agencies/<int(max=2147483647):agency_id>"): ADMINS,
    ("POST", "/admin/agencies/<int(max=2147483647):agency_id>"): ADMINS,
    ("GET", "/admin/staff"): ADMINS,
    ("GET", "/admin/staff/new"): ADMINS,
    ("POST", "/admin/staff/new"): ADMINS,
    ("GET", "/admin/staff/<int(max=2147483647):user_id>"): ADMINS,
    ("POST", "/admin/staff/<int(max=2147483647):user_id>"): ADMINS,
    ("POST", "/admin/staff/<int(max=2147483647):user_id>/active"): ADMINS,
    ("GET", "/admin/staff/<int(max=2147483647):user_id>/password"): ADMINS,
    ("POST", "/admin/staff/<int(max=2147483647):user_id>/password"): ADMINS,
    ("GET", "/admin/site"): ADMINS,
    ("POST", "/admin/site"): ADMINS,
    # Online registration's settings, closed days and sessions' places (issue 16).
    ("GET", "/admin/booking"): ADMINS,
    ("POST", "/admin/booking"): ADMINS,
    ("POST", "/admin/booking/closed-days"): ADMINS,
    ("POST", "/admin/booking/closed-days/<int(max=2147483647):closed_id>/remove"): ADMINS,
    ("GET", "/admin/booking/sessions"): ADMINS,
    ("POST", "/admin/booking/sessions"): ADMINS,
    # -- API: public --------------------------------------------------------------------------
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("GET", "/api/v1/services"): EVERYONE,
    ("GET", "/api/v1/zones"): EVERYONE,
    ("GET", "/api/v1/agencies"): EVERYONE,
    ("POST", "/api/v1/tickets"): EVERYONE,
    # "Not yet" at the kiosk's requirements step: public, like issuing (rate-limited).
    ("POST", "/api/v1/services/<int(max=2147483647):service_id>/not-ready"): EVERYONE,
    ("GET", "/api/v1/tickets/by-token/<token>"): EVERYONE,
    # The holder leaving the queue: whoever holds the token (it is the credential).
    ("POST", "/api/v1/tickets/by-token/<token>/cancel"): EVERYONE,
    # The satisfaction survey: whoever holds the token, once the service is done.
    ("POST", "/api/v1/tickets/by-token/<token>/survey"): EVERYONE,
    ("GET", "/api/v1/counters"): EVERYONE,
    ("GET", "/api/v1/board"): EVERYONE,
    ("GET", "/api/v1/estimates"): EVERYONE,
    ("POST", "/api/v1/auth/token"): EVERYONE,
    # -- API: staff at a counter; reports for supervisors and admins --------------------------
    ("POST", "/api/v1/counters/<int(max=2147483647):counter_id>/call-next"): AT_COUNTER_2,
    # Call a chosen ticket (P, waiting in B) to counter 2.
    ("POST", f"/api/v1/counters/<int(max=2147483647):counter_id>/call/{T}"): AT_COUNTER_2,
    ("POST", "/api/v1/counters/<int(max=2147483647):counter_id>/open"): AT_COUNTER_2,
    ("POST", "/api/v1/counters/<int(max=2147483647):counter_id>/pause"): AT_COUNTER_2,
    ("POST", "/api/v1/counters/<int(max=2147483647):counter_id>/close"): AT_COUNTER_2,
    ("POST", f"/api/v1/tickets/{T}/recall"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/start"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/finish"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/no-show"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/requeue"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/transfer"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/reinstate"): AT_COUNTER_1,
    ("POST", f"/api/v1/tickets/{T}/cancel"): AT_COUNTER_1,
    ("GET", "/api/v1/reports/daily"): OVERSEERS,
    ("GET", "/api/v1/reports/tickets.csv"): OVERSEERS,
    ("GET", "/api/v1/reports/ikm"): OVERSEERS,
    # -- API: online registration (issue 16) --------------------------------------------------
    # Availability and booking are public (rate-limited per address); a booking's view and
    # its cancel are for whoever holds its token (the credential).
    ("GET", "/api/v1/booking/availability"): EVERYONE,
    ("POST", "/api/v1/bookings"): EVERYONE,
    ("GET", "/api/v1/bookings/by-token/<token>"): EVERYONE,
    ("POST", "/api/v1/bookings/by-token/<token>/cancel"): EVERYONE,
    # Check-in: an enrolled kiosk (its device cookie, tests/web/test_booking_api.py), a
    # kiosk account, or staff at the desk.
    ("POST", "/api/v1/bookings/check-in"): SIGNED_IN,
    # The desk's look-up by code or holder id: staff, never a kiosk account.
    ("GET", "/api/v1/bookings/lookup"): STAFF,
}

#: Admin form posts sent here without their fields: an allowed caller gets the form back with
#: its errors (400/422), which is still "allowed" — the form tests (tests/admin) fill them in.
FORM_POSTS = {
    rule
    for method, rule in EXPECTED
    if method == "POST" and (rule.startswith("/admin/") or rule == "/reprint")
}

#: Socket.IO events a client may send (besides connect): exactly these.
# `disconnect` is no event a client sends: Socket.IO calls it when a socket goes away (it frees
# the socket's place under the per-address cap). `alive` is an enrolled device's heartbeat:
# anyone may send it; it marks seen only the device whose cookie the socket carries.
EXPECTED_EVENTS = {"connect", "disconnect", "resync", "alive"}
#: Connect kinds (the query's key) → who may connect that way. `ticket` and `board` are
#: public; a counter needs a user allowed at it; the overview supervisors and admins.
SOCKET_KINDS: dict[str, dict[str, frozenset[str]]] = {
    "board": {"board": EVERYONE},
    # One zone's board, and the building door's (issue 15): public as the board is.
    "zone": {"zone": EVERYONE},
    "entrance": {"entrance": EVERYONE},
    "ticket": {"ticket": EVERYONE},
    "counter": {"counter_1": AT_COUNTER_1, "counter_2": AT_COUNTER_2},
    "overview": {"overview": OVERSEERS},
    # A counter's survey tablet: an enrolled survey device (tests/web/test_survey_pages.py).
    "survey": {"survey": NOBODY},
}


# -- the hall, reset before every request ----------------------------------------------------


@dataclass
class Matrix:
    app: Flask
    template: Path
    live: Path
    ids: dict[str, int]
    tokens: dict[str, str]  # ticket name → public token
    bearer: dict[str, str]  # principal → API token
    cookies: dict[str, str]  # principal → session cookie

    def reset(self) -> None:
        """Put the hall back exactly as built (the SQLite file copied over)."""
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.live}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.live)
        # The database went back in time, which never happens to a real hall: what this
        # process kept of it (the hall's snapshots) is dropped as well.
        self.app.extensions.pop("loket.snapshots", None)

    def client(self, principal: str) -> FlaskClient:
        """A browser of `principal`: signed in with its session cookie (none for anonymous)."""
        client = self.app.test_client()
        if principal != ANON:
            client.set_cookie("session", self.cookies[principal], domain="localhost")
        return client

    def headers(self, principal: str) -> dict[str, str]:
        """An API client of `principal`: its Bearer token."""
        return {} if principal == ANON else {"Authorization": f"Bearer {self.bearer[principal]}"}


def _build_hall(app: Flask) -> tuple[dict[str, int], dict[str, str]]:
    session = db.session
    site = make_site(session)
    a, b, c = (make_service(session, site, code) for code in "ABC")
    c1 = make_counter(session, site, 1, [a, b, c])
    c2 = make_counter(session, site, 2, [b, a])
    clerk1 = make_user(session, CLERK1, Role.CLERK, [c1])
    make_user(session, CLERK2, Role.CLERK, [c2])
    make_user(session, SUPER, Role.SUPERVISOR)
    boss = staff.actor_for(make_user(session, ADMIN, Role.ADMIN))
    # A kiosk device account — even one given a counter by mistake acts at no counter.
    make_user(session, KIOSK, Role.KIOSK, [c1])
    device, code = devices.create(session, site.id, "kiosk", "Kiosk lobi", None)
    requirement = ServiceRequirement(service_id=a.id, name_id="KTP asli", name_en="ID card")
    session.add(requirement)
    # Online registration: the home agency takes both channels; booking is open all day,
    # every day, for tomorrow; a booking of today's all-day session waits to check in.
    agency = session.get(Agency, a.agency_id)
    assert agency is not None
    agency.channels = "both"
    session.add(BookingSettings(site_id=site.id, windows="00:00-00:00", working_days="1234567"))
    session.flush()
    book = bookings.rules_of(session, site)
    today = book.today(utcnow())
    tomorrow = bookings.ensure_sessions(session, site, a, today + timedelta(days=1), book)[0]
    all_day = BookingSession(
        site_id=site.id,
        service_id=a.id,
        day=today,
        starts_at=book.aware(datetime.combine(today, time(0))),
        ends_at=book.aware(datetime.combine(today + timedelta(days=1), time(0))),
        capacity=10,
        taken=1,
    )
    session.add(all_day)
    session.flush()
    booked = Booking(
        site_id=site.id,
        service_id=a.id,
        session_id=all_day.id,
        day=today,
        code="K7QH3M",
        token="booking-token-of-the-matrix",
        holder_hash="0" * 64,
        week_hash="1" * 64,
        state="booked",
        created_at=utcnow(),
    )
    session.add(booked)
    holiday = ClosedDay(site_id=site.id, day=today + timedelta(days=30), name="Libur")
    session.add(holiday)
    session.commit()
    made: dict[str, Ticket] = {}
    made["N"], _ = tickets.issue_ticket(session, a.id)
    tickets.call_next(session, c1.id, boss)
    tickets.no_show(session, made["N"].id, boss)
    made["X"], _ = tickets.issue_ticket(session, a.id)
    tickets.call_next(session, c1.id, boss)
    made["W"], _ = tickets.issue_ticket(session, c.id)
    made["P"], _ = tickets.issue_ticket(session, b.id)
    session.commit()
    assert made["X"].state == "called" and made["X"].counter_id == c1.id
    assert made["N"].state == "no_show" and made["P"].state == "waiting"
    ids = {
        "site": site.id,
        "device": device.id,
        "A": a.id,
        "zone": a.zone_id,
        "agency": a.agency_id,
        "counter_1": c1.id,
        "counter_2": c2.id,
        "clerk1": clerk1.id,
        "requirement": requirement.id,
        **{name: t.id for name, t in made.items()},
    }
    ids["session"] = tomorrow.id
    ids["closed"] = holiday.id
    tokens = {"code": code, "booking": booked.token, "booking_code": booked.code}
    tokens["tomorrow"] = tomorrow.day.isoformat()
    return ids, {**tokens, **{name: t.token for name, t in made.items()}}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    folder = tmp_path_factory.mktemp("matrix")
    live = folder / "live.db"
    app = make_app(f"sqlite:///{live}")
    with app.app_context():
        db.create_all()
        ids, tokens = _build_hall(app)
        users = db.session.scalars(select(User)).all()
        bearer = {u.username: staff.issue_token(db.session, u) for u in users}
        db.session.commit()
    cookies = {}
    for principal in SIGNED_IN:
        client = app.test_client()
        response = client.post("/login", data={"username": principal, "password": PASSWORD})
        assert response.status_code == 302, principal
        cookie = client.get_cookie("session")
        assert cookie is not None
        cookies[principal] = cookie.value
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    template = folder / "template.db"
    shutil.copyfile(live, template)
    yield Matrix(app, template, live, ids, tokens, bearer, cookies)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- requests --------------------------------------------------------------------------------


def concrete_url(matrix: Matrix, rule: str) -> str:
    """The rule with the ids and tokens of the hall filled in."""
    ids = matrix.ids
    ticket = ids["X"]
    if rule.endswith("/reinstate"):
        ticket = ids["N"]
    elif rule.endswith("/cancel"):
        ticket = ids["W"]
    elif "/call/" in rule:
        ticket = ids["P"]
    counter = ids["counter_1"] if rule.startswith(("/counter/", "/admin/")) else ids["counter_2"]
    values = {
        "ticket_id": str(ticket),
        "counter_id": str(counter),
        "service_id": str(ids["A"]),
        "requirement_id": str(ids["requirement"]),
        "user_id": str(ids["clerk1"]),
        "device_id": str(ids["device"]),
        "zone_id": str(ids["zone"]),
        "agency_id": str(ids["agency"]),
        "closed_id": str(ids["closed"]),
        "message_seq": "1",  # no such message: the admin is sent back with a notice
        "code": matrix.tokens["code"],
        "token": matrix.tokens[
            "booking"
            if rule.startswith(("/api/v1/bookings/", "/b/"))
            else "W"
            if rule.endswith("/cancel")
            else "X"
        ],
        "filename": "css/loket.css",
    }
    url = re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", lambda m: values[m.group(1)], rule)
    if rule.startswith(("/api/v1/reports/", "/admin/reports")):
        url += "?date=2026-06-15"
    if rule == "/api/v1/bookings/lookup":
        url += f"?code={matrix.tokens['booking_code']}"
    if rule == "/api/v1/booking/availability":
        url += f"?service=A&date={matrix.tokens['tomorrow']}"
    return url


def request_as(matrix: Matrix, principal: str, method: str, rule: str) -> TestResponse:
    url = concrete_url(matrix, rule)
    api = rule.startswith("/api/")
    client = matrix.client(ANON if api else principal)
    headers = matrix.headers(principal) if api else {}
    kwargs: dict[str, Any] = {}
    if rule == "/api/v1/tickets":
        kwargs["json"] = {"service": "A"}
    elif rule == "/api/v1/auth/token":
        kwargs["json"] = {"username": CLERK1, "password": PASSWORD}
    elif rule.endswith("/transfer"):
        kwargs["json"] = {"service": "B"}
    elif rule.endswith("/survey"):
        kwargs["json"] = {"answers": [3] * 9}
    elif rule == "/api/v1/bookings":
        kwargs["json"] = {
            "service": "A",
            "date": matrix.tokens["tomorrow"],
            "session": matrix.ids["session"],
            "holder_id": "3171011506900001",
        }
    elif rule == "/api/v1/bookings/check-in":
        kwargs["json"] = {"code": matrix.tokens["booking_code"]}
    elif rule == "/login" and method == "POST":
        kwargs["data"] = {"username": CLERK1, "password": PASSWORD}
    elif method == "POST" and not api:
        kwargs["data"] = {}
    return client.open(url, method=method, headers=headers, **kwargs)


def outcome(response: TestResponse, rule: str) -> str:
    """`allowed`, `login` (sent to sign in), `401`, `403`, or what went wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 302 and location.startswith("/login?next="):
        return "login"
    if status in (401, 403):
        return str(status)
    if status < 400 or (rule in FORM_POSTS and status in (400, 422)):
        return "allowed"
    if rule.endswith("/survey") and status == 409:
        return "allowed"  # past authorization: ticket X is not done, its survey not open
    return f"unexpected {status}: {response.get_data(as_text=True)[:200]}"


def expected_outcome(principal: str, allowed: frozenset[str], rule: str) -> str:
    if principal in allowed:
        return "allowed"
    if principal == ANON:
        if rule.startswith("/survey"):
            return "403"  # a device page: signing in would not help
        return "401" if rule.startswith("/api/") else "login"
    return "403"


# -- the matrix ------------------------------------------------------------------------------


def app_routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_has_an_expectation(matrix: Matrix) -> None:
    routes = app_routes(matrix.app)
    missing = sorted(routes - EXPECTED.keys())
    assert missing == [], (
        "routes without a line in the authorization matrix (tests/security/"
        f"test_authorization_matrix.py EXPECTED): say who may use them: {missing}"
    )
    stale = sorted(EXPECTED.keys() - routes)
    assert stale == [], f"the matrix lists routes the app no longer has: {stale}"


@pytest.mark.parametrize(("method", "rule"), sorted(EXPECTED), ids=lambda v: v)
def test_route_is_allowed_exactly_where_intended(matrix: Matrix, method: str, rule: str) -> None:
    if (method, rule) not in app_routes(matrix.app):
        pytest.fail(f"{method} {rule} is not a route of the app (see the test above)")
    allowed = EXPECTED[(method, rule)]
    got, wanted = {}, {}
    for principal in PRINCIPALS:
        matrix.reset()
        response = request_as(matrix, principal, method, rule)
        got[principal] = outcome(response, rule)
        response.close()
        wanted[principal] = expected_outcome(principal, allowed, rule)
    assert got == wanted


def test_refused_actions_change_nothing(matrix: Matrix) -> None:
    """The ticket and counter verbs, tried by everyone who may not: the hall is unchanged."""
    matrix.reset()
    board_before = _board(matrix)
    for (method, rule), allowed in EXPECTED.items():
        if not rule.startswith("/api/v1/") or method != "POST" or allowed == EVERYONE:
            continue
        for principal in sorted(EVERYONE - allowed):
            status = request_as(matrix, principal, method, rule).status_code
            assert status in (401, 403), (principal, rule, status)
    assert _board(matrix) == board_before


def _board(matrix: Matrix) -> dict[str, Any]:
    """What a refused action must not change: the hall's sequence number (every change bumps
    it), the counters and their tickets, and each service's queue length."""
    body = matrix.app.test_client().get("/api/v1/board").get_json()
    return {
        "seq": body["seq"],
        "counters": body["counters"],
        "waiting": {s["code"]: s["waiting"] for s in body["services"]},
    }


# -- sockets ---------------------------------------------------------------------------------


def socket_as(matrix: Matrix, principal: str, query: str) -> SocketIOTestClient:
    return socketio.test_client(
        matrix.app, query_string=query, flask_test_client=matrix.client(principal)
    )


def rooms_of(client: SocketIOTestClient) -> set[str]:
    sid = socketio.server.manager.sid_from_eio_sid(client.eio_sid, "/")
    return {room for room in socketio.server.rooms(sid, namespace="/") if room != sid}


def test_socket_events_are_exactly_connect_disconnect_resync_and_alive(matrix: Matrix) -> None:
    events = set(socketio.server.handlers.get("/", {}))
    assert events == EXPECTED_EVENTS, (
        "a socket event was added or removed: state in the matrix who may send it"
    )


def test_socket_connect_kinds_are_all_in_the_matrix() -> None:
    """A new connect kind (`"<kind>" in args` in realtime/handlers.py) needs its line here."""
    source = (ROOT / "queue_app/realtime/handlers.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r"""["'](\w+)["'] in args""", source)) | {"board"}
    assert kinds == set(SOCKET_KINDS)


def _socket_queries(matrix: Matrix) -> dict[str, str]:
    ids = matrix.ids
    return {
        "board": f"board={ids['site']}",
        "zone": f"board={ids['site']}&zone={ids['zone']}",
        "entrance": f"board={ids['site']}&entrance=1",
        "ticket": f"ticket={matrix.tokens['X']}",
        "counter_1": f"counter={ids['counter_1']}",
        "counter_2": f"counter={ids['counter_2']}",
        "overview": f"overview={ids['site']}",
        "survey": f"survey={ids['counter_1']}",
    }


#: The snapshot a connect kind is sent, where it is not the kind's own name.
SNAPSHOT_KINDS = {"zone": "board"}


def test_socket_connections_get_exactly_their_rooms_and_snapshots(matrix: Matrix) -> None:
    matrix.reset()
    ids, queries = matrix.ids, _socket_queries(matrix)
    rooms = {
        "board": {f"board:{ids['site']}"},
        "zone": {f"zone:{ids['zone']}"},
        "entrance": {f"entrance:{ids['site']}"},
        "ticket": {f"ticket:{matrix.tokens['X']}", f"service:{ids['A']}"},
        "counter_1": {f"counter:{ids['counter_1']}", f"board:{ids['site']}"},
        "counter_2": {f"counter:{ids['counter_2']}", f"board:{ids['site']}"},
        "overview": {f"overview:{ids['site']}"},
        "survey": set(),
    }
    got, wanted = {}, {}
    for kind, who in [(k, w) for kinds in SOCKET_KINDS.values() for k, w in kinds.items()]:
        for principal in PRINCIPALS:
            client = socket_as(matrix, principal, queries[kind])
            if client.is_connected():
                snapshots = [m for m in client.get_received() if m["name"] == "snapshot"]
                snapshot_kind = snapshots[0]["args"][0]["kind"] if snapshots else None
                got[(kind, principal)] = (sorted(rooms_of(client)), snapshot_kind)
                client.disconnect()
            else:
                got[(kind, principal)] = "refused"
            wanted[(kind, principal)] = (
                (sorted(rooms[kind]), SNAPSHOT_KINDS.get(kind, kind.split("_")[0]))
                if principal in who
                else "refused"
            )
    assert got == wanted
    # a ticket nobody holds, and a counter that does not exist: refused for everyone
    for principal in PRINCIPALS:
        for query in (
            "ticket=" + "x" * 32,
            "counter=999999",
            "overview=999999",
            f"board={matrix.ids['site']}&zone=999999",
        ):
            client = socket_as(matrix, principal, query)
            assert not client.is_connected() or principal in OVERSEERS, (principal, query)
            if client.is_connected():
                client.disconnect()


def test_no_socket_payload_carries_a_token(matrix: Matrix) -> None:
    """Every kind of client, of every principal, while tickets are issued, called, finished
    and transferred: not one message carries any ticket's token."""
    matrix.reset()
    queries = _socket_queries(matrix)
    clients = []
    for principal in PRINCIPALS:
        for query in queries.values():
            client = socket_as(matrix, principal, query)
            if client.is_connected():
                clients.append(client)
    api = matrix.app.test_client()
    admin = matrix.headers(ADMIN)
    issued = [api.post("/api/v1/tickets", json={"service": s}).get_json() for s in "AAB"]
    x = matrix.ids["X"]
    for step in (f"tickets/{x}/start", f"tickets/{x}/finish", "counters/{c}/call-next"):
        url = "/api/v1/" + step.format(c=matrix.ids["counter_1"])
        assert api.post(url, headers=admin).status_code == 200, url
    moved = api.post(f"/api/v1/counters/{matrix.ids['counter_2']}/call-next", headers=admin)
    assert moved.status_code == 200
    transfer = api.post(
        f"/api/v1/tickets/{moved.get_json()['id']}/transfer", headers=admin, json={"service": "C"}
    )
    assert transfer.status_code == 200
    tokens = set(matrix.tokens.values()) | {t["token"] for t in issued}
    heard = 0
    for client in clients:
        text = json.dumps(client.get_received())
        heard += len(text)
        leaked = [token for token in tokens if token in text]
        assert leaked == [], "a socket payload carried a ticket token"
        client.disconnect()
    assert heard > 10_000  # they did hear the news


def test_socket_clients_cannot_act(matrix: Matrix) -> None:
    """Calling, finishing … are not socket events: whatever a client sends, even an admin at
    counter 1, nothing changes and nothing answers but a resync's snapshot."""
    matrix.reset()
    before = _board(matrix)
    with matrix.app.app_context():
        x_state = db.session.get(Ticket, matrix.ids["X"]).state  # type: ignore[union-attr]
    queries = _socket_queries(matrix)
    for principal in PRINCIPALS:
        for query in queries.values():
            client = socket_as(matrix, principal, query)
            if not client.is_connected():
                continue
            client.get_received()
            payload = {
                "counter": matrix.ids["counter_1"],
                "counter_id": matrix.ids["counter_1"],
                "ticket": matrix.ids["X"],
                "ticket_id": matrix.ids["X"],
                "token": matrix.tokens["X"],
            }
            for event in (
                "call",
                "call_next",
                "call-next",
                "recall",
                "start",
                "finish",
                "no_show",
                "cancel",
                "transfer",
                "issue",
                "open",
                "close",
                "join",
                "snapshot",
            ):
                client.emit(event, payload)
            assert client.get_received() == [], (principal, query)
            client.emit("resync")
            assert [m["name"] for m in client.get_received()] == ["snapshot"]
            client.disconnect()
    assert _board(matrix) == before
    with matrix.app.app_context():
        assert db.session.get(Ticket, matrix.ids["X"]).state == x_state  # type: ignore[union-attr]
        assert db.session.scalars(select(Counter.state).order_by(Counter.id)).all() == [
            "open",
            "open",
        ]
        assert len(db.session.scalars(select(Service)).all()) == 3
        assert db.session.get(Site, matrix.ids["site"]) is not None
