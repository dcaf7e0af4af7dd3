"""Who may open what under /admin, checked on the server for every route: admins everything;
supervisors the overview and the reports; clerks, kiosk devices and any other role nothing (403);
people not signed in are sent to sign in. A refused request changes nothing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import AdminChange, Counter, Service, Site, User
from queue_app.services import staff
from tests.conftest import Hall

from .conftest import Browser, csrf_token

ADMIN_PAGES = [
    "/admin/services",
    "/admin/services/new",
    "/admin/services/{service}",
    "/admin/counters",
    "/admin/counters/new",
    "/admin/counters/{counter}",
    "/admin/staff",
    "/admin/staff/new",
    "/admin/staff/{user}",
    "/admin/staff/{user}/password",
    "/admin/site",
    "/admin/audit",
    "/admin/audit.csv",
]
OVERSEER_PAGES = ["/admin", "/admin/overview", "/admin/reports"]
#: Every form that changes something, with data that would be accepted from an admin.
POSTS = {
    "/admin/services/new": {"code": "Q", "name_id": "Q", "name_en": "Q", "prior_minutes": "5"},
    "/admin/services/{service}": {
        "code": "A",
        "name_id": "X",
        "name_en": "X",
        "prior_minutes": "5",
    },
    "/admin/services/{service}/move": {"direction": "down"},
    "/admin/counters/new": {"number": "9", "label": "x", "services": "A", "state": "open"},
    "/admin/counters/{counter}": {"number": "1", "label": "x", "services": "B", "state": "closed"},
    "/admin/staff/new": {
        "username": "eve",
        "role": "admin",
        "password": "x" * 12,
        "confirm": "x" * 12,
    },
    "/admin/staff/{user}": {"role": "admin"},
    "/admin/staff/{user}/active": {"active": "0"},
    "/admin/staff/{user}/password": {"password": "y" * 12, "confirm": "y" * 12},
    "/admin/site": {
        "name": "x",
        "timezone": "UTC",
        "opens_at": "01:00",
        "closes_at": "02:00",
        "priority_ratio": "0",
        "no_show_after_s": "0",
        "wait_alert_min": "1",
    },
}


def fill(url: str, hall: Hall, user_id: int) -> str:
    return url.format(service=hall.service_a, counter=hall.counter_1, user=user_id)


def snapshot(app: Flask) -> tuple[object, ...]:
    """Everything an admin page could change."""
    with app.app_context():
        rows = (
            db.session.execute(select(Service.code, Service.name_id, Service.position)).all(),
            db.session.execute(select(Counter.number, Counter.label, Counter.state)).all(),
            db.session.execute(
                select(User.username, User.role, User.active, User.password_hash)
            ).all(),
            db.session.execute(select(Site.name, Site.timezone, Site.opens_at)).all(),
            db.session.scalar(
                select(func.count(AdminChange.id)).where(AdminChange.action != "sign_in")
            ),
        )
        return tuple(tuple(map(tuple, r)) if isinstance(r, list) else r for r in rows)


@pytest.fixture
def clerk1_id(app: Flask, hall: Hall) -> int:
    with app.app_context():
        return int(db.session.scalar(select(User.id).where(User.username == "clerk1")) or 0)


@pytest.mark.parametrize("role", ["clerk", "supervisor", "kiosk", "anonymous"])
def test_admin_pages_and_forms_are_refused_to_everyone_but_admins(
    app: Flask, hall: Hall, clerk1_id: int, role: str
) -> None:
    if role == "kiosk":
        with app.app_context():
            staff.create_user(db.session, "kiosk1", "password123", Role("kiosk"))
            db.session.commit()
    username = {"clerk": "clerk1", "supervisor": "super", "kiosk": "kiosk1"}.get(role)
    browser = Browser(app, username)
    token = csrf_token(browser.client.get("/login"))
    before = snapshot(app)
    for page in ADMIN_PAGES:
        response = browser.client.get(fill(page, hall, clerk1_id))
        if role == "anonymous":
            assert response.status_code == 302, page
            assert response.location.startswith("/login"), page
        else:
            assert response.status_code == 403, (role, page)
    for page, data in POSTS.items():
        response = browser.client.post(
            fill(page, hall, clerk1_id), data={**data, "csrf_token": token}
        )
        assert response.status_code == (302 if role == "anonymous" else 403), (role, page)
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["clerk", "kiosk", "anonymous"])
def test_the_overview_and_reports_are_refused_below_supervisor(
    app: Flask, hall: Hall, role: str
) -> None:
    if role == "kiosk":
        with app.app_context():
            staff.create_user(db.session, "kiosk1", "password123", Role("kiosk"))
            db.session.commit()
    username = {"clerk": "clerk1", "kiosk": "kiosk1"}.get(role)
    browser = Browser(app, username)
    for page in OVERSEER_PAGES:
        expected = 302 if role == "anonymous" else 403
        assert browser.client.get(page).status_code == expected, (role, page)


def test_supervisors_see_the_overview_and_reports_and_admins_everything(
    app: Flask, hall: Hall, clerk1_id: int
) -> None:
    supervisor = Browser(app, "super")
    for page in OVERSEER_PAGES:
        assert supervisor.get(page).status_code == 200, page
    nav = supervisor.get("/admin").get_data(as_text=True)
    assert "/admin/reports" in nav and "/admin/staff" not in nav  # no links it may not follow
    admin = Browser(app, "admin")
    for page in OVERSEER_PAGES + ADMIN_PAGES:
        assert admin.get(fill(page, hall, clerk1_id)).status_code == 200, page
    assert "/admin/staff" in admin.get("/admin/reports").get_data(as_text=True)


def test_an_admin_form_without_its_csrf_token_is_refused(
    app: Flask, hall: Hall, clerk1_id: int
) -> None:
    admin = Browser(app, "admin")
    before = snapshot(app)
    for page, data in POSTS.items():
        response = admin.client.post(fill(page, hall, clerk1_id), data=data)
        assert response.status_code == 400, page
    assert snapshot(app) == before
