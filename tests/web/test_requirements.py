"""The documents a service asks for (persyaratan) outside the admin console: the API lists
them, "not yet" at the kiosk is counted as a visit saved in the day's report (its page and its
CSV), and the phone page and the printed slip repeat the list."""

from __future__ import annotations

import csv
import io

from flask import Flask

from queue_app.extensions import db
from queue_app.models import ServiceRequirement
from tests.conftest import Hall
from tests.helpers import signed_in

from .conftest import API, Api, assert_error

DOCS = [
    ("KTP elektronik asli", "Original electronic ID card", "dan fotokopi"),
    ("Kartu Keluarga", "Family card", ""),
    ("Pas foto 4×6 latar merah", "Photos 4×6, red background", "6 lembar"),
]


def require(app: Flask, service_id: int, docs: list[tuple[str, str, str]] = DOCS) -> None:
    with app.app_context():
        for position, (name_id, name_en, note) in enumerate(reversed(docs)):
            db.session.add(
                ServiceRequirement(
                    service_id=service_id,
                    # stored out of order: the list follows `position`, not the row ids
                    position=len(docs) - 1 - position,
                    name_id=name_id,
                    name_en=name_en,
                    note=note,
                )
            )
        db.session.commit()


def test_the_services_list_gives_each_service_its_documents_in_order(
    app: Flask, api: Api, hall: Hall
) -> None:
    require(app, hall.service_a)
    services = {s["code"]: s for s in api.get(f"{API}/services").get_json()}
    assert services["A"]["requirements"] == [
        {"name": n, "name_en": e, "note": note} for n, e, note in DOCS
    ]
    assert services["B"]["requirements"] == []
    board = api.get(f"{API}/board").get_json()
    assert board["services"][0]["requirements"][2]["note"] == "6 lembar"


def test_not_yet_issues_nothing_and_the_report_counts_a_visit_saved(
    app: Flask, api: Api, hall: Hall
) -> None:
    require(app, hall.service_a)
    day = {"date": api.issue("A")["service_day"]}
    for _ in range(2):
        answer = api.post(f"{API}/services/{hall.service_a}/not-ready")
        assert answer.status_code == 201
        assert answer.get_json() == {
            "service": {
                "id": hall.service_a,
                "code": "A",
                "name": "Layanan A",
                "name_en": "Service A",
            },
            "reason": "not_ready",
        }
    assert_error(api.post(f"{API}/services/999999/not-ready"), 404)
    # No number was drawn: the next ticket of A is the second one.
    assert api.issue("A")["code"] == "A-002"
    a = next(s for s in api.get(f"{API}/services").get_json() if s["code"] == "A")
    assert a["waiting"] == 2

    report = api.get(f"{API}/reports/daily", user="super", query_string=day).get_json()
    assert "services" in report, report
    by_code = {s["code"]: s for s in report["services"]}
    assert by_code["A"]["visits_saved"] == 2 and by_code["B"]["visits_saved"] == 0
    assert report["totals"]["visits_saved"] == 2
    assert report["totals"]["refused_quota"] == 0  # not a refusal by the hall

    browser = signed_in(app, "super")
    page = browser.get("/admin/reports", query_string={**day, "lang": "en"}).get_data(as_text=True)
    assert "Visits saved" in page and 'id="total-visits-saved">2<' in page
    aggregates = browser.get("/admin/reports/aggregates.csv", query_string=day)
    rows = list(csv.DictReader(io.StringIO(aggregates.get_data(as_text=True).lstrip("\ufeff"))))
    assert next(r for r in rows if r["group"] == "total")["visits_saved"] == "2"
    assert next(r for r in rows if r["key"] == "A")["visits_saved"] == "2"


def test_the_phone_page_lists_the_documents_while_the_ticket_waits(
    app: Flask, api: Api, hall: Hall
) -> None:
    require(app, hall.service_a)
    ticket = api.issue("A")
    page = api.get(f"/t/{ticket['token']}?lang=en").get_data(as_text=True)
    assert "Have these documents ready" in page
    assert "Original electronic ID card" in page and "6 lembar" in page
    assert page.index("Original electronic ID card") < page.index("Family card")
    indonesian = api.get(f"/t/{ticket['token']}?lang=id").get_data(as_text=True)
    assert "KTP elektronik asli" in indonesian
    # A service that asks for nothing shows no list.
    other = api.issue("B")
    assert "Have these documents ready" not in api.get(f"/t/{other['token']}?lang=en").get_data(
        as_text=True
    )


def test_the_slip_prints_the_documents_names_only(app: Flask, api: Api, hall: Hall) -> None:
    require(app, hall.service_a)
    ticket = api.issue("A")
    slip = api.get(f"/kiosk/ticket/{ticket['token']}?lang=id").get_data(as_text=True)
    assert "KTP elektronik asli" in slip and "Pas foto 4×6 latar merah" in slip
    assert "6 lembar" not in slip and "dan fotokopi" not in slip  # the short form
