"""One active ticket per phone number or NIK per service and day, where a site collects one:
numbers are checked and normalised, stored only as a keyed hash, refused a second active
ticket (also when two kiosks send the same number at the same instant), and never appear in
any response, page, CSV, socket message or log."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.extensions import db, socketio
from queue_app.models import Site, Ticket
from queue_app.services.holders import (
    HolderId,
    holder_key,
    normalise_nik,
    normalise_phone,
    parse_holder_id,
)

from ..conftest import Hall
from ..helpers import bearer, signed_in

PHONE = "0812-3456-7890"
SAME_PHONE = ["+62 812 3456 7890", "6281234567890", "081234567890", "(0812) 3456.7890"]
NIK = "3171 0123 4567 0001"


# -- normalising (no app) --------------------------------------------------------------------


@pytest.mark.parametrize("raw", [PHONE, *SAME_PHONE, "812-3456-7890"])
def test_ways_of_writing_one_mobile_number_agree(raw: str) -> None:
    assert normalise_phone(raw) == "+6281234567890"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "021-555-1234",
        "+1 812 3456 7890",
        "0812",
        "08123456789012345",
        "08１２3456789",
        "0812-3456-789O",
        "+62 812 3456 7890 ext 2",
    ],
)
def test_what_is_not_an_indonesian_mobile_number_is_refused(raw: str) -> None:
    assert normalise_phone(raw) is None


def test_a_nik_is_exactly_sixteen_digits() -> None:
    assert normalise_nik(NIK) == "3171012345670001"
    for raw in ("317101234567000", "31710123456700011", "3171O12345670001", "３１７１012345670001"):
        assert normalise_nik(raw) is None


def test_the_stored_hash_is_keyed_and_changes_with_the_day() -> None:
    holder = parse_holder_id("phone", PHONE, holder_key("one key"))
    day = date(2026, 6, 15)
    digest = holder.digest(day)
    assert len(digest) == 64 and "8123456789" not in digest
    assert digest == parse_holder_id("phone", SAME_PHONE[0], holder_key("one key")).digest(day)
    assert digest != holder.digest(date(2026, 6, 16))  # days cannot be linked
    assert digest != parse_holder_id("phone", PHONE, holder_key("another key")).digest(day)
    assert digest != hashlib.sha256(b"+6281234567890").hexdigest()  # not a plain hash
    assert "8123456789" not in repr(holder) and "8123456789" not in str(holder)
    assert isinstance(holder, HolderId)


# -- issuing ---------------------------------------------------------------------------------


def collect(app: Flask, site_id: int, kind: str | None) -> None:
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None
        site.holder_id_kind = kind
        db.session.commit()


@pytest.fixture
def phone_hall(app: Flask, hall: Hall) -> Hall:
    collect(app, hall.site_id, "phone")
    return hall


def issue(client: FlaskClient, service: str = "A", **body: Any) -> Any:
    return client.post("/api/v1/tickets", json={"service": service, "channel": "kiosk", **body})


def test_a_holder_gets_one_active_ticket_per_service_and_day(
    app: Flask, client: FlaskClient, phone_hall: Hall
) -> None:
    first = issue(client, holder_id=PHONE)
    assert first.status_code == 201
    for other_spelling in SAME_PHONE:
        again = issue(client, holder_id=other_spelling)
        assert again.status_code == 409 and again.get_json()["error"] == "already_holding"
        assert "8123456789" not in again.get_data(as_text=True)
    assert issue(client, "B", holder_id=PHONE).status_code == 201  # another service: fine
    assert issue(client, holder_id="0813-1111-2222").status_code == 201  # another person
    # once the first ticket is done, the same person may queue again
    admin = bearer(app, "admin")
    called = client.post(f"/api/v1/counters/{phone_hall.counter_1}/call-next", headers=admin)
    assert called.get_json()["id"] == first.get_json()["id"]
    assert (
        client.post(f"/api/v1/tickets/{called.get_json()['id']}/finish", headers=admin).status_code
        == 200
    )
    assert issue(client, holder_id=SAME_PHONE[1]).status_code == 201
    with app.app_context():
        codes = db.session.scalars(select(Ticket.code).order_by(Ticket.id)).all()
    assert codes == ["A-001", "B-001", "A-002", "A-003"]  # refusals drew no number


def test_the_number_is_required_checked_and_never_echoed(
    app: Flask, client: FlaskClient, phone_hall: Hall
) -> None:
    for body in ({}, {"holder_id": ""}, {"holder_id": None}):
        response = issue(client, **body)
        assert response.status_code == 422 and response.get_json()["error"] == "invalid_holder_id"
    for bad in ("021-555-1234", "x" * 40, "08123", 81234567890):
        response = issue(client, holder_id=bad)
        body = response.get_json()
        assert response.status_code == 422 and body["error"] == "invalid_holder_id", bad
        assert str(bad) not in json.dumps(body)
    # staff issuing at a desk for someone without a phone may leave it out
    staff = client.post("/api/v1/tickets", json={"service": "A"}, headers=bearer(app, "super"))
    assert staff.status_code == 201
    with app.app_context():
        assert db.session.scalars(select(Ticket.holder_hash)).all() == [None]


def test_a_nik_site_and_a_site_that_collects_nothing(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    collect(app, hall.site_id, "nik")
    assert issue(client, holder_id=PHONE).status_code == 422
    assert issue(client, holder_id=NIK).status_code == 201
    assert issue(client, holder_id=NIK.replace(" ", "")).status_code == 409
    collect(app, hall.site_id, None)  # collects nothing: the field is ignored, nothing stored
    assert issue(client, holder_id=NIK).status_code == 201
    assert issue(client, holder_id=NIK).status_code == 201
    with app.app_context():
        hashes = db.session.scalars(select(Ticket.holder_hash).order_by(Ticket.id)).all()
    assert hashes[0] is not None and hashes[1:] == [None, None]


def test_the_kiosk_asks_for_the_number_only_where_the_site_collects_it(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    assert 'id="holder-id"' not in client.get("/kiosk").get_data(as_text=True)
    collect(app, hall.site_id, "phone")
    page = client.get("/kiosk").get_data(as_text=True)
    assert 'id="holder-id"' in page and 'inputmode="tel"' in page
    assert "Nomor HP Anda" in page and 'data-key="0"' in page and "js/holder.js" in page
    collect(app, hall.site_id, "nik")
    page = client.get("/kiosk?lang=en").get_data(as_text=True)
    assert 'inputmode="numeric"' in page and "Your NIK" in page


# -- never shown -----------------------------------------------------------------------------


def test_the_number_and_its_hash_appear_nowhere(
    app: Flask, client: FlaskClient, phone_hall: Hall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hall = phone_hall
    board = socketio.test_client(
        app, query_string=f"board={hall.site_id}", flask_test_client=client
    )
    terminal = socketio.test_client(
        app, query_string=f"counter={hall.counter_1}", flask_test_client=signed_in(app, "admin")
    )
    issued = issue(client, holder_id=PHONE).get_json()
    phone = socketio.test_client(
        app, query_string=f"ticket={issued['token']}", flask_test_client=client
    )
    admin = bearer(app, "admin")
    ticket_id = issued["id"]
    texts = [json.dumps(issued)]
    client.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=admin)
    client.post(f"/api/v1/tickets/{ticket_id}/start", headers=admin)
    with app.app_context():
        day = db.session.get(Ticket, ticket_id).service_day  # type: ignore[union-attr]
        digest = db.session.get(Ticket, ticket_id).holder_hash  # type: ignore[union-attr]
    assert digest and len(digest) == 64
    browser = signed_in(app, "admin")
    for url, who in [
        (f"/api/v1/tickets/by-token/{issued['token']}", client),
        ("/api/v1/board", client),
        ("/api/v1/services", client),
        ("/api/v1/counters", client),
        (f"/t/{issued['token']}", client),
        (f"/kiosk/ticket/{issued['token']}", client),
        ("/display", client),
        (f"/counter/{hall.counter_1}", browser),
        (f"/api/v1/reports/daily?date={day}", browser),
        (f"/api/v1/reports/tickets.csv?date={day}", browser),
        (f"/admin/reports?date={day}", browser),
        (f"/admin/reports/tickets.csv?date={day}", browser),
        (f"/admin/reports/aggregates.csv?date={day}", browser),
        (f"/admin/audit?date={day}", browser),
        (f"/admin/audit.csv?date={day}", browser),
        ("/admin/overview", browser),
    ]:
        response = who.get(url)
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    finished = client.post(f"/api/v1/tickets/{ticket_id}/finish", headers=admin)
    texts.append(finished.get_data(as_text=True))
    for socket in (board, terminal, phone):
        texts.append(json.dumps(socket.get_received()))
    texts.append(caplog.text)
    everything = "\n".join(texts)
    assert len(everything) > 20_000
    for secret in ("81234567890", "8123456789", "3456-7890", digest, digest[:16]):
        assert secret not in everything, secret


# -- at the same instant ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "db_backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_two_kiosks_sending_one_number_at_once_issue_one_ticket(
    app: Flask, phone_hall: Hall
) -> None:
    """Two kiosks send the same person's number in the same instant, eight times over (each
    time a new person): every time exactly one ticket is issued and the other gets 409. The
    hall's row lock serialises issuing, so the second sees the first's ticket."""
    for person in range(8):
        number = f"0812-0000-{person:04d}"
        statuses = at_once(app, [number, "+62" + number[1:].replace("-", " ")])
        assert sorted(statuses) == [201, 409], (person, statuses)
    with app.app_context():
        made = db.session.scalars(select(Ticket.holder_hash)).all()
    assert len(made) == 8 and len(set(made)) == 8


def at_once(app: Flask, spellings: list[str]) -> list[int]:
    """Issue with each spelling from its own kiosk (thread), all released at the same instant."""
    barrier = threading.Barrier(len(spellings))
    statuses: list[int] = []
    lock = threading.Lock()

    def kiosk(spelling: str) -> None:
        client = app.test_client()
        barrier.wait()
        status = issue(client, holder_id=spelling).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=kiosk, args=(s,)) for s in spellings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
