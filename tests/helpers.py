"""Small factories for test data (the way CTFd's tests/helpers.py does it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from queue_app.domain.access import Actor
from queue_app.domain.vocabulary import CounterState, Role
from queue_app.models import Agency, Counter, CounterService, Service, Site, User, Zone
from queue_app.services import mall, staff


def make_site(
    session: Session,
    *,
    capacity: int | None = None,
    ratio: int = 2,
    timezone: str = "Asia/Jakarta",
    name: str = "Test hall",
    opens_at: time = time(0),
    closes_at: time = time(0),
) -> Site:
    site = Site(
        name=name,
        timezone=timezone,
        opens_at=opens_at,
        closes_at=closes_at,
        hall_capacity=capacity,
        priority_ratio=ratio,
        seq=0,
    )
    session.add(site)
    session.flush()
    return site


def make_service(
    session: Session,
    site: Site,
    code: str,
    *,
    quota: int | None = None,
    prior_s: int = 300,
    is_open: bool = True,
    zone: Zone | None = None,
    agency: Agency | None = None,
) -> Service:
    home_zone, home_agency = mall.home(session, site)
    service = Service(
        site_id=site.id,
        zone_id=(zone or home_zone).id,
        agency_id=(agency or home_agency).id,
        code=code,
        name_id=f"Layanan {code}",
        name_en=f"Service {code}",
        daily_quota=quota,
        is_open=is_open,
        prior_service_s=prior_s,
        position=0,
    )
    session.add(service)
    session.flush()
    return service


def make_zone(
    session: Session,
    site: Site,
    name: str,
    *,
    floor: int = 1,
    room_capacity: int | None = None,
    distancing_pct: int = 100,
) -> Zone:
    mall.home(session, site)  # the site's first zone stays its home zone
    zone = Zone(
        site_id=site.id,
        name=name,
        floor=floor,
        room_capacity=room_capacity,
        distancing_pct=distancing_pct,
        position=floor,
    )
    session.add(zone)
    session.flush()
    return zone


def make_agency(
    session: Session,
    site: Site,
    code: str,
    *,
    walk_in: bool = True,
    daily_cap: int | None = None,
) -> Agency:
    mall.home(session, site)
    agency = Agency(
        site_id=site.id,
        code=code,
        name_id=f"Instansi {code}",
        name_en=f"Agency {code}",
        walk_in=walk_in,
        daily_cap=daily_cap,
    )
    session.add(agency)
    session.flush()
    return agency


def make_counter(
    session: Session,
    site: Site,
    number: int,
    services: Sequence[Service],
    *,
    state: CounterState = CounterState.OPEN,
) -> Counter:
    counter = Counter(
        site_id=site.id,
        zone_id=services[0].zone_id if services else mall.home(session, site)[0].id,
        number=number,
        label=f"Loket {number}",
        state=state.value,
        regular_streak=0,
    )
    counter.links = [CounterService(service_id=s.id, rank=i) for i, s in enumerate(services)]
    session.add(counter)
    session.flush()
    return counter


def make_user(
    session: Session,
    username: str,
    role: Role = Role.CLERK,
    counters: Sequence[Counter] = (),
    password: str = "password123",
) -> User:
    return staff.create_user(session, username, password, role, [c.number for c in counters])


def actor(user: User) -> Actor:
    return staff.actor_for(user)


def signed_in(app: Flask, username: str, password: str = "password123") -> FlaskClient:
    """A browser-like client signed in through the staff sign-in form."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def bearer(app: Flask, username: str) -> dict[str, str]:
    """Authorization headers with a fresh API token for `username`."""
    from sqlalchemy import select

    from queue_app.extensions import db

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        token = staff.issue_token(db.session, user)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}
