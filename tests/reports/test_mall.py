"""Issue 15, reports: a mall of two zones and three agencies plays a day over HTTP; its figures
per agency and per zone (applicants, served, refused by reason, no-shows, wait and service time,
outcomes) are recomputed here from `ticket_events` and the refusals alone, and the JSON report,
the CSV files and the page must say the same."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from queue_app.domain.reports import quantile
from queue_app.domain.vocabulary import Channel, Role
from queue_app.extensions import db
from queue_app.models import Agency, Service, TicketEvent, Zone
from queue_app.services.refusals import record_refusal
from tests.conftest import Hall
from tests.helpers import make_counter, make_service, make_site, make_user, signed_in
from tests.web.conftest import API, Api

OUTCOMES = ("completed", "incomplete_documents", "referred", "other")


@pytest.fixture
def mall_api(app: Flask, client: FlaskClient) -> Api:
    """Lantai 2 (cap 10): POLDA's SIM (P). Lantai 3 (no cap): Imigrasi's passports (I) and
    Bank DKI (K). Counter 1 serves P, counter 2 serves I then K."""
    with app.app_context():
        session = db.session
        site = make_site(session, name="Mal Pelayanan Publik")
        floor2 = Zone(
            site_id=site.id, name="Lantai 2", floor=2, room_capacity=20, distancing_pct=50
        )
        floor3 = Zone(site_id=site.id, name="Lantai 3", floor=3, position=1)
        polda = Agency(site_id=site.id, code="POLDA", name_id="Polda Metro Jaya", name_en="Police")
        imi = Agency(
            site_id=site.id,
            code="IMI",
            name_id="Imigrasi",
            name_en="Immigration",
            colour="#7a1f8b",
            position=1,
        )
        bdki = Agency(
            site_id=site.id,
            code="BDKI",
            name_id="Bank DKI",
            name_en="Bank DKI",
            daily_cap=50,
            position=2,
        )
        session.add_all([floor2, floor3, polda, imi, bdki])
        session.flush()
        services = {}
        for code, agency, zone in (("P", polda, floor2), ("I", imi, floor3), ("K", bdki, floor3)):
            service = make_service(session, site, code)
            service.agency_id, service.zone_id = agency.id, zone.id
            services[code] = service
        session.flush()
        c1 = make_counter(session, site, 1, [services["P"]])
        c2 = make_counter(session, site, 2, [services["I"], services["K"]])
        make_user(session, "clerk1", Role.CLERK, [c1])
        make_user(session, "clerk2", Role.CLERK, [c2])
        make_user(session, "super", Role.SUPERVISOR)
        session.commit()
        hall = Hall(site.id, services["P"].id, services["I"].id, c1.id, c2.id)
    return Api(app, client, hall)


def play(api: Api) -> str:
    """Seven tickets, every outcome, a no-show and a transfer across zones (a K ticket sent to
    P); refusals of the new reasons, of the old ones and of a reason no label knows."""
    hall = api.hall
    for code in ("P", "P", "P", "I", "I", "K", "K"):
        api.issue(code)
    c1, c2 = hall.counter_1, hall.counter_2
    api.ok(api.counter(c1, "open", "clerk1"))
    api.ok(api.counter(c2, "open", "clerk2"))
    for outcome in ("completed", "incomplete_documents", "no-show"):
        ticket = api.called(c1, "clerk1")
        if outcome == "no-show":
            api.ok(api.act(ticket["id"], "no-show", "clerk1"))
        else:
            api.ok(api.act(ticket["id"], "start", "clerk1"))
            api.ok(api.act(ticket["id"], "finish", "clerk1", json={"outcome": outcome}))
    for outcome in ("incomplete_documents", "referred", "transfer", "other"):
        ticket = api.called(c2, "clerk2")
        if outcome == "transfer":
            api.ok(api.transfer(ticket["id"], "P", "clerk2"))
            moved = api.called(c1, "clerk1")
            assert moved["id"] == ticket["id"]
            api.ok(api.act(moved["id"], "finish", "clerk1"))
        else:
            api.ok(api.act(ticket["id"], "finish", "clerk2", json={"outcome": outcome}))
    with api.app.app_context():
        codes = dict(db.session.execute(select(Service.code, Service.id)).all())
        for code, reason in (
            ("K", "agency_cap_reached"),
            ("K", "agency_cap_reached"),
            ("I", "walk_in_not_accepted"),
            ("P", "quota_reached"),
            ("I", "not_ready"),
            ("P", "building_full"),
        ):
            record_refusal(db.session, codes[code], reason, Channel.KIOSK)
        db.session.commit()
    return str(api.board()["service_day"])


@dataclass
class Expected:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)


def from_the_log(app: Flask) -> dict[tuple[str, str], Expected]:
    """Per ('agency', code) and ('zone', name): the figures, read from the events and the
    refusals alone, each under the agency and zone of the service it happened at."""
    from queue_app.models import Refusal

    with app.app_context():
        session = db.session
        agency = dict(session.execute(select(Agency.id, Agency.code)).all())
        zone = dict(session.execute(select(Zone.id, Zone.name)).all())
        where = {
            sid: (("agency", agency[a]), ("zone", zone[z]))
            for sid, a, z in session.execute(select(Service.id, Service.agency_id, Service.zone_id))
        }
        events = session.execute(
            select(
                TicketEvent.ticket_id,
                TicketEvent.action,
                TicketEvent.to_state,
                TicketEvent.at,
                TicketEvent.service_id,
                TicketEvent.detail,
            ).order_by(TicketEvent.seq)
        ).all()
        refusals = session.execute(select(Refusal.service_id, Refusal.reason)).all()
    stories: dict[int, list[Any]] = {}
    for row in events:
        stories.setdefault(row.ticket_id, []).append(row)
    out: dict[tuple[str, str], Expected] = {}

    def under(service_id: int) -> list[Expected]:
        return [out.setdefault(k, Expected()) for k in where[service_id]]

    for story in stories.values():
        issue = story[0]
        assert issue.action == "issue"
        calls = [e for e in story if e.action == "call"]
        for g in under(issue.service_id):
            g.issued += 1
            if calls:
                g.waits.append((calls[0].at - issue.at).total_seconds())
        last = story[-1]
        if last.to_state == "done":
            began = [e for e in story if e.action in ("start", "call", "recall")][-1]
            for g in under(last.service_id):
                g.served += 1
                g.outcomes[(last.detail or {}).get("outcome", "completed")] += 1
                g.services.append((last.at - began.at).total_seconds())
        elif last.to_state == "no_show":
            for g in under(last.service_id):
                g.no_show += 1
    for service_id, reason in refusals:
        for g in under(service_id):
            g.refusals[reason] += 1
    return out


def mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def p90(values: list[float]) -> float | None:
    return round(quantile(values, 0.9), 1) if values else None


def test_figures_per_agency_and_zone_match_the_event_log(app: Flask, mall_api: Api) -> None:
    api = mall_api
    day = play(api)
    expected = from_the_log(app)
    # The day as planned: K-? went from Bank DKI (floor 3) to POLDA (floor 2) and was served there.
    assert expected[("agency", "BDKI")].issued == 2
    assert expected[("agency", "BDKI")].served == 1
    assert expected[("agency", "POLDA")].served == 3
    assert expected[("zone", "Lantai 2")].refusals == Counter(quota_reached=1, building_full=1)

    report = api.ok(api.get(f"{API}/reports/daily", query_string={"date": day}, user="super"))
    assert [a["code"] for a in report["agencies"]] == ["POLDA", "IMI", "BDKI"]
    assert [(z["name"], z["floor"], z["capacity"]) for z in report["zones"]] == [
        ("Lantai 2", 2, 10),
        ("Lantai 3", 3, None),
    ]
    groups = [("agency", a["code"], a) for a in report["agencies"]]
    groups += [("zone", z["name"], z) for z in report["zones"]]
    for kind, key, got in groups:
        want = expected[(kind, key)]
        refused = sum(n for r, n in want.refusals.items() if r != "not_ready")
        assert got["issued"] == want.issued, key
        assert got["applicants"] == want.issued + sum(want.refusals.values()), key
        assert got["served"] == want.served, key
        assert got["no_show"] == want.no_show, key
        assert got["refused"] == refused, key
        assert got["refused_by_reason"] == dict(want.refusals), key
        assert got["outcomes"] == {o: want.outcomes[o] for o in OUTCOMES}, key
        rate = (
            round(want.outcomes["incomplete_documents"] / want.served, 4) if want.served else None
        )
        assert got["incomplete_documents_rate"] == rate, key
        assert got["wait"]["mean_s"] == mean(want.waits), key
        assert got["wait"]["p90_s"] == p90(want.waits), key
        assert got["service"]["mean_s"] == mean(want.services), key
        assert got["service"]["p90_s"] == p90(want.services), key
    # Agencies and zones both add up to the totals.
    for name in ("applicants", "issued", "served", "no_show", "refused"):
        total = report["totals"].get(name)
        by_agency = sum(a[name] for a in report["agencies"])
        assert by_agency == sum(z[name] for z in report["zones"])
        if total is not None:
            assert by_agency == total

    # The CSV files: one row per agency (zone), every known reason a column, the unknown too.
    page = signed_in(app, "super")
    for path, kind, key_column in (
        ("/admin/reports/agencies.csv", "agency", "agency"),
        ("/admin/reports/zones.csv", "zone", "zone"),
    ):
        response = page.get(path, query_string={"date": day})
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[-1][key_column] == "total"
        for row in rows[:-1]:
            want = expected[(kind, row[key_column])]
            assert int(row["applicants"]) == want.issued + sum(want.refusals.values())
            assert int(row["served"]) == want.served
            assert int(row["no_show"]) == want.no_show
            for reason in (
                "quota_reached",
                "agency_cap_reached",
                "walk_in_not_accepted",
                "closed_early",
                "not_ready",
                "building_full",
            ):
                assert int(row[f"refused_{reason}"]) == want.refusals[reason], (row, reason)
            assert [int(row[f"outcome_{o}"]) for o in OUTCOMES] == [
                want.outcomes[o] for o in OUTCOMES
            ]
        assert int(rows[-1]["applicants"]) == report["totals"]["issued"] + 6

    # The page: the tables, labelled reasons in the page's language, and the charts.
    html = page.get("/admin/reports", query_string={"date": day}).get_data(as_text=True)
    assert 'id="agency-table"' in html and 'id="zone-table"' in html
    assert 'data-agency="BDKI"' in html and 'data-zone="Lantai 3"' in html
    assert 'data-reason="agency_cap_reached">2<' in html
    assert 'data-reason="walk_in_not_accepted">1<' in html
    assert "building_full" in html  # a reason no label knows shows as it is recorded
    assert 'aria-label="Pemohon per instansi"' in html
    english = page.get("/admin/reports", query_string={"date": day, "lang": "en"}).get_data(
        as_text=True
    )
    assert "Agency&#39;s daily cap reached" in english or "Agency's daily cap reached" in english
    assert "No walk-ins (register online)" in english


def test_a_single_hall_has_one_agency_and_one_zone_holding_everything(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    api = Api(app, client, hall)
    api.issue("A")
    api.issue("B")
    day = str(api.board()["service_day"])
    report = api.ok(api.get(f"{API}/reports/daily", query_string={"date": day}, user="super"))
    assert len(report["agencies"]) == len(report["zones"]) == 1
    for group in (report["agencies"][0], report["zones"][0]):
        assert group["issued"] == report["totals"]["issued"] == 2
        assert group["applicants"] == 2
        assert group["refused_by_reason"] == {}
