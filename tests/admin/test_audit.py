"""The audit trail: who did what, when and at which counter — ticket events from the event log
and every admin change and sign-in — on a page and as a CSV download, for admins only."""

from __future__ import annotations

import csv
import io

from flask import Flask

from tests.conftest import Hall
from tests.helpers import bearer

from .conftest import Browser, csrf_token


def busy_morning(app: Flask, hall: Hall, admin: Browser) -> None:
    """A ticket issued, called at counter 1 by clerk1 and finished; a service renamed."""
    api = app.test_client()
    api.post("/api/v1/tickets", json={"service": "A"})
    clerk = bearer(app, "clerk1")
    ticket = api.post(f"/api/v1/counters/{hall.counter_1}/call-next", headers=clerk).get_json()
    api.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=clerk)
    data = {"code": "B", "name_id": "Pajak", "name_en": "Tax", "prior_minutes": "5", "is_open": "y"}
    assert admin.submit(f"/admin/services/{hall.service_b}", data).status_code == 302


def test_the_audit_page_shows_ticket_events_and_admin_changes(
    app: Flask, hall: Hall, admin: Browser
) -> None:
    busy_morning(app, hall, admin)
    page = admin.get("/admin/audit?lang=en").get_data(as_text=True)
    rows = page.split("<tr")[2:]  # skip the header row
    text = [" ".join(r.split()) for r in rows]
    call = next(r for r in text if ">called<" in r)
    assert "clerk1" in call and "A-001" in call and '<td class="num">1</td>' in call
    assert "Waiting inside → Called" in call
    finish = next(r for r in text if ">finished<" in r)
    assert "clerk1" in finish and "A-001" in finish
    change = next(r for r in text if ">changed<" in r)
    assert ">admin<" in change and "Service <b>B</b>" in change
    assert "name (Indonesian): Layanan B → Pajak" in change
    assert "name_id" not in page
    assert any(">signed in<" in r and ">admin<" in r for r in text)
    # Newest first: the admin's change came last, so it is listed above the call.
    assert text.index(change) < text.index(call)
    # Filters: only the admin changes, or only one person's actions.
    only_admin = admin.get("/admin/audit?lang=en&kind=admin").get_data(as_text=True)
    assert ">changed<" in only_admin and ">called<" not in only_admin


def test_the_audit_csv_has_the_whole_day_in_order(app: Flask, hall: Hall, admin: Browser) -> None:
    busy_morning(app, hall, admin)
    response = admin.get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    actions = [(r["kind"], r["action"], r["user"], r["subject"], r["counter"]) for r in rows]
    ticket_rows = [a for a in actions if a[0] == "ticket"]
    assert ticket_rows == [
        ("ticket", "issue", "", "A-001", ""),
        ("ticket", "admit", "", "A-001", ""),
        ("ticket", "call", "clerk1", "A-001", "1"),
        ("ticket", "finish", "clerk1", "A-001", "1"),
    ]
    assert ("admin", "update", "admin", "service B", "") in actions
    assert ("admin", "sign_in", "admin", "session admin", "") in actions
    # In order of time: the change after the finish.
    assert actions.index(("admin", "update", "admin", "service B", "")) > actions.index(
        ticket_rows[-1]
    )
    update = next(r for r in rows if r["action"] == "update")
    assert '"name_id": ["Layanan B", "Pajak"]' in update["detail"]


def test_sign_in_and_sign_out_are_audited(app: Flask, hall: Hall) -> None:
    clerk = Browser(app, "clerk1")
    form = clerk.client.get(f"/counter/{hall.counter_1}")
    assert clerk.client.post("/logout", data={"csrf_token": csrf_token(form)}).status_code == 302
    Browser(app).sign_in("clerk1", "wrong-password")
    admin = Browser(app, "admin")
    csv_text = admin.get("/admin/audit.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    clerk_rows = [(r["action"], r["user"]) for r in rows if "clerk1" in r["subject"]]
    assert clerk_rows == [
        ("sign_in", "clerk1"),
        ("sign_out", "clerk1"),
        ("sign_in_failed", "clerk1"),
    ]
    assert "wrong-password" not in csv_text


def test_the_audit_is_for_admins_only(app: Flask, hall: Hall) -> None:
    supervisor = Browser(app, "super")
    assert supervisor.client.get("/admin/audit").status_code == 403
    assert supervisor.client.get("/admin/audit.csv").status_code == 403
    bad_day = Browser(app, "admin").client.get("/admin/audit?date=2026-13-40")
    assert bad_day.status_code == 422
