"""The supervisors' hall overview: inside against the cap, outside, per service the queue and
its longest wait, each counter's state and ticket — and alerts when a wait passes the site's
threshold or a queue has no open counter. Live over a staff-only socket room."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select, update

from queue_app.extensions import db, socketio
from queue_app.models import Site, Ticket
from queue_app.services import overview
from tests.conftest import Hall
from tests.helpers import bearer, make_service

from .conftest import Browser

ALERTS = 'id="ov-alerts"'


def issue(app: Flask, service: str) -> dict[str, Any]:
    response = app.test_client().post("/api/v1/tickets", json={"service": service})
    assert response.status_code == 201
    return dict(response.get_json())


def age(app: Flask, code: str, minutes: int) -> None:
    """Make a ticket as old as if it had been issued `minutes` ago."""
    with app.app_context():
        when = db.session.scalars(select(Ticket.issued_at).where(Ticket.code == code)).one()
        db.session.execute(
            update(Ticket)
            .where(Ticket.code == code)
            .values(
                issued_at=when - timedelta(minutes=minutes),
                queue_at=when - timedelta(minutes=minutes),
            )
        )
        db.session.commit()


def alerts_section(html: str) -> str:
    start = html.index(ALERTS)
    return html[start : html.index("</ul>", start)]


def test_the_overview_shows_the_hall_and_alerts_past_the_threshold(app: Flask, hall: Hall) -> None:
    with app.app_context():
        site = db.session.get(Site, hall.site_id)
        assert site is not None
        site.hall_capacity = 3
        site.wait_alert_min = 30
        make_service(db.session, site, "C")  # no counter serves it
        db.session.commit()
    for service in ("A", "A", "B", "C"):
        issue(app, service)
    called = app.test_client().post(
        f"/api/v1/counters/{hall.counter_2}/call-next", headers=bearer(app, "clerk2")
    )
    assert called.get_json()["code"] == "B-001"
    age(app, "A-001", 31)  # past the 30 minutes
    age(app, "A-002", 29)  # not yet

    page = Browser(app, "super").get("/admin/overview?lang=en").get_data(as_text=True)
    alerts = alerts_section(page)
    assert "A: A-001 has waited 31 min" in alerts
    assert "A-002" not in alerts
    assert "C: 1 waiting and no counter open" in alerts
    assert "B:" not in alerts  # its ticket is at a counter, not waiting
    # Inside against the cap, and outside: the cap of 3 holds and B-001.
    assert 'id="ov-inside">3<' in page and 'id="ov-outside">1<' in page
    # Counter 2 shows its ticket.
    assert "<b>B-001</b>" in page


def test_an_alert_comes_up_as_time_passes_without_any_news(app: Flask, hall: Hall) -> None:
    issue(app, "A")
    with app.app_context():
        data = overview.hall_overview(db.session, hall.site_id)
    now = datetime.fromisoformat(data["generated_at"])
    assert overview.alerts(data, now) == []
    # The overview carries the oldest ticket's issue time: the page computes the same alert
    # on its own clock once the site's threshold (45 min by default) has passed.
    later = overview.alerts(data, now + timedelta(minutes=46))
    assert later == [{"kind": "long_wait", "service": "A", "ticket": "A-001", "minutes": 46}]
    page = Browser(app, "super").get("/admin/overview").get_data(as_text=True)
    assert '"wait_alert_min": 45' in page and '"oldest_issued_at"' in page
    assert "js/overview.js" in page


def test_the_overview_follows_the_hall_live_and_only_for_overseers(app: Flask, hall: Hall) -> None:
    supervisor = Browser(app, "super")
    sock = socketio.test_client(
        app, query_string=f"overview={hall.site_id}", flask_test_client=supervisor.client
    )
    assert sock.is_connected()
    first = [m["args"][0] for m in sock.get_received() if m["name"] == "snapshot"]
    assert first[0]["kind"] == "overview" and first[0]["data"]["hall"]["inside"] == 0
    issue(app, "A")
    app.test_client().post(
        f"/api/v1/counters/{hall.counter_1}/call-next", headers=bearer(app, "clerk1")
    )
    news = [m["args"][0] for m in sock.get_received() if m["name"] == "overview"]
    assert len(news) == 2  # one picture after each change
    counter_1 = next(c for c in news[-1]["counters"] if c["id"] == hall.counter_1)
    assert counter_1["current"]["code"] == "A-001" and counter_1["current"]["state"] == "called"
    assert news[-1]["seq"] > news[0]["seq"]
    assert "token" not in str(news)
    # Clerks, other sockets and people not signed in may not follow it.
    for client in (Browser(app, "clerk1").client, app.test_client()):
        refused = socketio.test_client(
            app, query_string=f"overview={hall.site_id}", flask_test_client=client
        )
        assert not refused.is_connected()
    # An admin may.
    admin = socketio.test_client(
        app, query_string=f"overview={hall.site_id}", flask_test_client=Browser(app, "admin").client
    )
    assert admin.is_connected()


def test_a_malls_overview_is_grouped_by_zone(app: Flask) -> None:
    from tests.services.test_mall import build_mall

    with app.app_context():
        mall = build_mall(db.session, caps=(2, 3))
    for service in ("A", "B", "A", "C"):
        issue(app, service)  # the second A waits outside: floor 2 holds two
    age(app, "C-001", 12)
    page = Browser(app, f"boss{mall.site_id}").get("/admin/overview").get_data(as_text=True)
    zones = page.split('id="ov-zones"')[1].split("</tbody>")[0]
    rows = zones.split("<tr")[1:]
    assert "Lantai 2" in rows[0] and "Lantai 3" in rows[1]
    # Floor 2 is full with one outside (marked), floor 3 has room.
    assert 'class="alerted"' in rows[0] and '<td class="num">2 / 2</td>' in rows[0]
    assert '<td class="num">1</td>' in rows[0]
    assert 'class="alerted"' not in rows[1] and '<td class="num">1 / 3</td>' in rows[1]
    assert "12 menit" in rows[1] and "(C-001)" in rows[1]
    with app.app_context():
        data = overview.hall_overview(db.session, mall.site_id)
    assert [(z["inside"], z["outside"], z["counters_open"]) for z in data["zones"]] == [
        (2, 1, 2),
        (1, 0, 2),
    ]
