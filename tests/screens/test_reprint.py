"""Reprinting a lost slip (issue 13, item 13): staff type today's code and get the same ticket
printed again — the same token, the same QR code — marked as a reprint, returning afterwards to
where they came from; other days, unknown codes and finished tickets are refused in words, and
the reprint is in the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import AdminChange, Ticket
from tests.admin.conftest import Browser, csrf_token
from tests.conftest import Hall, app_with_tables, build_hall
from tests.helpers import bearer, make_user

QR = re.compile(r'<div class="qr"[^>]*>(.*?)</div>', re.S)


@pytest.fixture
def app(tmp_path: Any) -> Any:
    with app_with_tables(f"sqlite:///{tmp_path / 'reprint.db'}", WTF_CSRF_ENABLED=True) as made:
        yield made


@pytest.fixture
def hall(app: Flask) -> Hall:
    with app.app_context():
        return build_hall()


def issue(app: Flask, service: str = "A") -> dict[str, Any]:
    response = app.test_client().post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 201
    return dict(response.get_json())


def reprint(browser: Browser, code: str, back: str = "/counter/1") -> Any:
    page = browser.get(f"/reprint?back={back}")
    assert page.status_code == 200
    return browser.client.post(
        f"/reprint?back={back}", data={"code": code, "csrf_token": csrf_token(page)}
    )


def test_a_reprint_is_the_same_ticket_with_the_same_qr_code(app: Flask, hall: Hall) -> None:
    issued = issue(app)
    original = app.test_client().get(f"/kiosk/ticket/{issued['token']}?print=1")
    clerk = Browser(app, "clerk1")
    # Typed the way a clerk might: lower case, no dash, no zeros.
    sent = reprint(clerk, "a1", back=f"/counter/{hall.counter_1}")
    assert sent.status_code == 303
    location = sent.headers["Location"]
    assert location.startswith(f"/kiosk/ticket/{issued['token']}?")
    again = clerk.get(location)
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    first_qr = QR.search(original.get_data(as_text=True))
    second_qr = QR.search(html)
    assert first_qr and second_qr and first_qr.group(1) == second_qr.group(1)
    assert '<h1 class="code">A-001</h1>' in html
    assert "Cetak ulang ·" in html  # the slip says it is a reprint
    assert "Cetak ulang" not in original.get_data(as_text=True)
    # After printing it returns to the clerk's terminal, not to the kiosk.
    assert f'data-kiosk="/counter/{hall.counter_1}"' in html
    assert 'data-kiosk="/kiosk' in original.get_data(as_text=True)
    # No second ticket was made.
    with app.app_context():
        assert db.session.scalars(select(Ticket.token)).all() == [issued["token"]]


def test_a_reprint_is_recorded_in_the_audit(app: Flask, hall: Hall) -> None:
    issue(app)
    assert reprint(Browser(app, "super"), "A-001").status_code == 303
    with app.app_context():
        change = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "reprint")
        ).one()
        assert change.entity == "ticket" and change.site_id == hall.site_id
    audit = Browser(app, "admin").get("/admin/audit").get_data(as_text=True)
    row = next(" ".join(r.split()) for r in audit.split("<tr") if "slip dicetak ulang" in r)
    assert ">super<" in row and "Nomor <b>A-001</b>" in row
    assert "status nomor: Menunggu di dalam" in row


def test_refusals_say_why_in_words(app: Flask, hall: Hall) -> None:
    old = issue(app, "B")
    clerk = Browser(app, "clerk1")
    unknown = reprint(clerk, "A-042")
    assert unknown.status_code == 422
    assert "Hari ini tidak ada nomor A-042 di aula ini." in unknown.get_data(as_text=True)
    malformed = reprint(clerk, "tujuh")
    assert malformed.status_code == 422
    assert "Ketik kode seperti tercetak di slip" in malformed.get_data(as_text=True)
    # Yesterday's B-001: not today's.
    with app.app_context():
        day = db.session.scalars(select(Ticket.service_day)).one() - timedelta(days=1)
        db.session.execute(
            update(Ticket).where(Ticket.token == old["token"]).values(service_day=day)
        )
        db.session.commit()
    other_day = reprint(clerk, "B-001")
    assert other_day.status_code == 422
    text = other_day.get_data(as_text=True)
    assert f"B-001 bukan nomor hari ini (diambil pada {day.strftime('%d-%m-%Y')})" in text
    assert old["token"] not in text
    # A finished ticket needs no slip.
    done = issue(app, "A")
    api = app.test_client()
    headers = bearer(app, "clerk1")
    api.post(f"/api/v1/counters/{hall.counter_1}/open", headers=headers)
    called = api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=headers).get_json()
    assert (
        called["id"]
        and api.post(f"/api/v1/tickets/{called['id']}/finish", headers=headers).status_code == 200
    )
    finished = reprint(clerk, "A-001")
    assert finished.status_code == 422
    assert "A-001 sudah selesai" in finished.get_data(as_text=True)
    assert done["token"] not in finished.get_data(as_text=True)
    english = clerk.get("/reprint?lang=en")
    assert "Reprint a ticket" in english.get_data(as_text=True)


def test_only_staff_reprint_and_only_with_the_form_token(app: Flask, hall: Hall) -> None:
    issued = issue(app)
    anonymous = app.test_client().get("/reprint")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    with app.app_context():
        make_user(db.session, "kiosk1", Role.KIOSK)
        db.session.commit()
    kiosk = Browser(app, "kiosk1")
    assert kiosk.get("/reprint").status_code == 403
    forged = Browser(app, "clerk1").client.post("/reprint", data={"code": "A-001"})
    assert forged.status_code == 400
    assert issued["token"] not in forged.get_data(as_text=True)


def test_the_back_address_must_be_a_path_of_this_site(app: Flask, hall: Hall) -> None:
    issued = issue(app)
    sent = reprint(Browser(app, "clerk1"), "A-001", back="https://evil.example/")
    assert sent.status_code == 303
    page = app.test_client().get(sent.headers["Location"]).get_data(as_text=True)
    assert "evil.example" not in page
    assert 'data-kiosk="/reprint' in page
    assert issued["token"] in sent.headers["Location"]


def test_staff_pages_link_the_reprint(app: Flask, hall: Hall) -> None:
    terminal = Browser(app, "clerk1").get(f"/counter/{hall.counter_1}").get_data(as_text=True)
    assert f'href="/reprint?back=/counter/{hall.counter_1}"' in terminal.replace("%2F", "/")
    overview = Browser(app, "super").get("/admin/overview").get_data(as_text=True)
    assert "Cetak ulang nomor" in overview and "/reprint?" in overview
    choice = Browser(app, "super").get("/counter").get_data(as_text=True)
    assert "Cetak ulang nomor" in choice
    assert ">open<" not in choice and ">closed<" not in choice  # states in words
