"""The admin console's queries on PostgreSQL too: a change under the hall's row lock, the
overview's window query, the audit trail's merge of the event log and the admin changes."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from queue_app.extensions import db
from queue_app.models import Site
from tests.conftest import app_with_tables, build_hall

from .conftest import Browser

pytestmark = pytest.mark.postgres


def test_admin_console_on_postgresql(postgres_schema_url: str) -> None:
    application: Flask
    with app_with_tables(postgres_schema_url, WTF_CSRF_ENABLED=True) as application:
        with application.app_context():
            hall = build_hall(capacity=1)
        api = application.test_client()
        first, second = (api.post("/api/v1/tickets", json={"service": "A"}) for _ in range(2))
        assert second.get_json()["admitted"] is False
        admin = Browser(application, "admin")
        data = {"code": "C", "name_id": "C", "name_en": "C", "prior_minutes": "5", "is_open": "y"}
        assert admin.submit("/admin/services/new", data).status_code == 302
        settings = {
            "name": "Aula",
            "timezone": "Asia/Jakarta",
            "opens_at": "00:00",
            "closes_at": "00:00",
            "hall_capacity": "5",
            "priority_ratio": "2",
            "no_show_after_s": "0",
            "wait_alert_min": "45",
            "holder_id_kind": "",
        }
        assert admin.submit("/admin/site", settings).status_code == 302
        token = second.get_json()["token"]
        assert api.get(f"/api/v1/tickets/by-token/{token}").get_json()["admitted"] is True
        overview = admin.get("/admin/overview?lang=en").get_data(as_text=True)
        assert 'id="ov-inside">2<' in overview
        audit = csv.DictReader(io.StringIO(admin.get("/admin/audit.csv").get_data(as_text=True)))
        lines = {(row["kind"], row["action"], row["subject"]) for row in audit}
        assert ("ticket", "admit", "A-002") in lines  # let in by the raised cap
        assert ("admin", "create", "service C") in lines and ("admin", "update", "site") in lines
        with application.app_context():
            site = db.session.get(Site, hall.site_id)
            assert site is not None and site.hall_capacity == 5
        assert first.status_code == 201
