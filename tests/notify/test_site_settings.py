"""A site's own notification settings (issue 17, item 2 and the per-site gateway): each kind on
or off, the admin's own texts (placeholders checked on save), N ahead for `ticket.almost`,
retention per site, and a site's own gateway and secret — all through the admin console's page,
with a real receiver."""

from __future__ import annotations

import html
import time
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from queue_app.domain import notify
from queue_app.extensions import db
from queue_app.models import AdminChange, NotificationSettings, Ticket, TicketContact

from ..conftest import Hall, build_hall
from ..helpers import bearer, make_service, make_site, signed_in
from .conftest import SECRET, worker_of
from .receiver import Receiver, running_receiver, verify
from .test_delivery import messages
from .test_events import issue

PHONE = "0812-3456-7890"
SITE_SECRET = "the-halls-own-secret-2026"


def deliver_all(app: Flask) -> None:
    """Deliver what is due, then stop cleanly (the next call's worker takes the lease)."""
    worker = worker_of(app)
    while worker.run_once():
        pass
    worker.release_lease()


def form(**changes: Any) -> dict[str, Any]:
    """The settings form as the page fills it for a site with no settings of its own (every
    kind on, default texts, 5 ahead), with `changes`."""
    data: dict[str, Any] = {"almost_ahead": "5", "retention_days": "", "webhook_url": ""}
    for kind in notify.Kind:
        data[f"{kind.value.replace('.', '_')}_on"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def save(admin: FlaskClient, **changes: Any) -> Any:
    return admin.post("/admin/notifications/settings", data=form(**changes))


def call_next(app: Flask, hall: Hall) -> None:
    response = app.test_client().post(
        f"/api/v1/counters/{hall.counter_1}/call-next", headers=bearer(app, "clerk1")
    )
    assert response.status_code == 200, response.get_json()


def test_the_page_shows_the_defaults_and_only_admins_open_it(app: Flask) -> None:
    with app.app_context():
        build_hall()
    page = signed_in(app, "admin").get("/admin/notifications/settings")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    # Every kind, switched on, with its placeholders and its default text to start from.
    for kind in notify.Kind:
        assert f'data-kind="{kind.value}"' in text
    assert notify.TEMPLATES[notify.Kind.CALLED]["id"] in text
    assert "{code}, {counter}, {service}, {site}" in text
    switched_on = text.count('checked id="ticket_') + text.count('checked id="booking_')
    assert switched_on == len(notify.Kind)
    for who in ("clerk1", "super"):
        assert signed_in(app, who).get("/admin/notifications/settings").status_code == 403
        assert (
            signed_in(app, who).post("/admin/notifications/settings", data=form()).status_code
            == 403
        )


def test_a_kind_switched_off_is_not_sent_and_the_others_are(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        hall = build_hall()
    admin = signed_in(app, "admin")
    assert save(admin, ticket_issued_on=None).status_code == 302
    issue(app)
    call_next(app, hall)
    deliver_all(app)
    assert [r.body["event"] for r in receiver.received] == ["ticket.called"]
    # Switched on again, the next holder hears of their ticket at once.
    assert save(admin).status_code == 302
    issue(app)
    deliver_all(app)
    assert [r.body["event"] for r in receiver.received] == ["ticket.called", "ticket.issued"]


def test_the_sites_own_words_are_sent_in_each_language(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        hall = build_hall()
    admin = signed_in(app, "admin")
    saved = save(
        admin,
        ticket_called_id="{code}: silakan ke loket {counter} sekarang.",
        ticket_called_en="{code}: counter {counter}, please.",
    )
    assert saved.status_code == 302
    first = issue(app, lang="en")
    second = issue(app, phone="0813-1111-2222")
    call_next(app, hall)
    with app.app_context():
        clerk = db.session.scalars(select(Ticket).where(Ticket.id == first["id"])).one()
        assert clerk.state == "called"
    response = app.test_client().post(
        f"/api/v1/tickets/{first['id']}/finish", headers=bearer(app, "clerk1")
    )
    assert response.status_code == 200
    call_next(app, hall)
    deliver_all(app)
    called = [r.body["text"] for r in receiver.received if r.body["event"] == "ticket.called"]
    assert called == [
        f"{first['code']}: counter 1, please.",
        f"{second['code']}: silakan ke loket 1 sekarang.",
    ]
    # The kinds left blank keep the default words.
    issued = [r.body["text"] for r in receiver.received if r.body["event"] == "ticket.issued"]
    assert issued[0].startswith(f"Test hall: your queue number is {first['code']}")
    # The page now shows the saved words, and the change is in the audit trail.
    page = html.unescape(admin.get("/admin/notifications/settings").get_data(as_text=True))
    assert "{code}: silakan ke loket {counter} sekarang." in page
    with app.app_context():
        (change,) = db.session.scalars(
            select(AdminChange).where(AdminChange.action == "settings")
        ).all()
        assert set(change.changes or {}) == {"ticket.called"}


def test_an_unknown_placeholder_is_refused_saying_what_may_be_used(
    app: Flask, receiver: Receiver
) -> None:
    with app.app_context():
        build_hall()
    admin = signed_in(app, "admin")
    refused = save(admin, almost_ahead="2", ticket_called_id="Nomor {nomor} ke loket {counter}")
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "Placeholder {nomor} tidak dikenal" in page
    assert "{code}, {counter}, {service}, {site}" in page
    # Broken braces are refused too; neither saved anything, the other fields included.
    broken = save(admin, almost_ahead="2", ticket_issued_en="Your number {code")
    assert broken.status_code == 422
    assert "Kurung kurawal" in html.unescape(broken.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(NotificationSettings)).all() == []
        assert (
            db.session.scalars(
                select(AdminChange).where(AdminChange.entity == "notification")
            ).all()
            == []
        )
    issue(app)
    deliver_all(app)
    assert receiver.received[0].body["text"].startswith("Test hall: nomor antrean Anda")


def test_almost_goes_out_at_the_sites_own_number_ahead(app: Flask, receiver: Receiver) -> None:
    with app.app_context():
        hall = build_hall()
    assert save(signed_in(app, "admin"), almost_ahead="2").status_code == 302
    for _ in range(3):
        issue(app, phone=None)
    mine = issue(app)  # three ahead: more than the hall's 2
    call_next(app, hall)  # two ahead now
    deliver_all(app)
    assert [r.body["event"] for r in receiver.received] == ["ticket.issued", "ticket.almost"]
    assert (
        receiver.received[1]
        .body["text"]
        .startswith(f"Test hall: tinggal 2 orang lagi sebelum nomor {mine['code']}")
    )


def test_each_site_keeps_the_numbers_its_own_number_of_days(app: Flask) -> None:
    with app.app_context():
        build_hall()
        other_site = make_site(db.session, name="Other hall")
        make_service(db.session, other_site, "A")
        db.session.commit()
        other_site_id = other_site.id
    admin = signed_in(app, "admin")
    assert save(admin, retention_days="1").status_code == 302  # the first hall: one day
    mine = issue(app)
    with app.app_context():
        # A ticket of the other hall (which keeps the server's 7 days), issued by the verbs.
        theirs = app.test_client().post(
            f"/api/v1/tickets?site={other_site_id}", json={"service": "A", "phone": PHONE}
        )
        assert theirs.status_code == 201, theirs.get_json()
        ids = [mine["id"], theirs.get_json()["id"]]
        today = db.session.get(Ticket, mine["id"]).service_day  # type: ignore[union-attr]
        three_days_ago = today - timedelta(days=3)
        db.session.execute(
            update(TicketContact)
            .where(TicketContact.ticket_id.in_(ids))
            .values(service_day=three_days_ago)
        )
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-contacts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kept = db.session.scalars(select(TicketContact.ticket_id)).all()
        assert kept == [ids[1]]  # the first hall's number is gone, the other's is kept
    # The operator's --days is every hall's.
    assert app.test_cli_runner().invoke(args=["purge-contacts", "--days", "2"]).exit_code == 0
    with app.app_context():
        assert db.session.scalars(select(TicketContact.ticket_id)).all() == []
        assert db.session.get(Ticket, ids[1]) is not None  # tickets and counts stay


def test_a_site_with_its_own_gateway_sends_there_signed_with_its_own_secret(
    app: Flask, receiver: Receiver
) -> None:
    with app.app_context():
        build_hall()
    admin = signed_in(app, "admin")
    with running_receiver() as own:
        saved = save(admin, webhook_url=own.url, webhook_secret=SITE_SECRET)
        assert saved.status_code == 302
        issue(app)
        deliver_all(app)
        assert receiver.received == []
        (got,) = own.received
        assert got.body["event"] == "ticket.issued"
        assert verify(SITE_SECRET, got.headers["x-loket-signature"], got.raw, time.time())
        assert not verify(SECRET, got.headers["x-loket-signature"], got.raw, time.time())
        # The test button tries the hall's own gateway too.
        assert admin.post("/admin/notifications/test", data={"to": PHONE}).status_code == 302
        assert [r.body["event"] for r in own.received] == ["ticket.issued", "test"]
        # The secret is kept sealed, never shown on the page nor written in the audit trail.
        page = admin.get("/admin/notifications/settings").get_data(as_text=True)
        assert SITE_SECRET not in page and own.url in page
        with app.app_context():
            row = db.session.scalars(select(NotificationSettings)).one()
            assert row.webhook_secret and SITE_SECRET not in row.webhook_secret
            trail = repr(db.session.scalars(select(AdminChange.changes)).all())
            assert SITE_SECRET not in trail and "webhook_secret" in trail
        # Saving again without typing the secret keeps it.
        assert save(admin, webhook_url=own.url).status_code == 302
        issue(app, phone="0813-1111-2222")
        deliver_all(app)
        assert verify(
            SITE_SECRET,
            own.received[-1].headers["x-loket-signature"],
            own.received[-1].raw,
            time.time(),
        )
    # Back to the server's gateway: the next message goes there, signed with its secret.
    assert save(admin, webhook_url="").status_code == 302
    issue(app, phone="0814-2222-3333")
    deliver_all(app)
    (back,) = receiver.received
    assert verify(SECRET, back.headers["x-loket-signature"], back.raw, time.time())
    with app.app_context():
        assert db.session.scalars(select(NotificationSettings)).one().webhook_secret is None
    assert all(m.state == "sent" for m in messages(app))


def test_a_gateway_address_that_is_not_http_is_refused(app: Flask) -> None:
    with app.app_context():
        build_hall()
    admin = signed_in(app, "admin")
    for bad in ("ftp://gateway.example.id", "https://user:pw@gateway.example.id", "gateway"):
        refused = save(admin, webhook_url=bad)
        assert refused.status_code == 422, bad
        assert "https://gateway.example.id/loket" in html.unescape(refused.get_data(as_text=True))
    short = save(admin, webhook_url="https://gateway.example.id", webhook_secret="short")
    assert short.status_code == 422
    with app.app_context():
        assert db.session.scalars(select(NotificationSettings)).all() == []
