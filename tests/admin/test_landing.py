"""Signing in lands where the user's role works (issue 13, item 14): a clerk at their counter
(or the choice of their counters), a supervisor or admin on the hall overview; the home page
leads an admin to the console; the sign-in's notices are in the page's language."""

from __future__ import annotations

import pytest
from flask import Flask

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import Counter
from tests.conftest import Hall
from tests.helpers import make_user

from .conftest import Browser, csrf_token


@pytest.fixture
def two_counter_clerk(app: Flask, hall: Hall) -> str:
    with app.app_context():
        counters = [
            db.session.get(Counter, hall.counter_1),
            db.session.get(Counter, hall.counter_2),
        ]
        make_user(db.session, "clerk12", Role.CLERK, [c for c in counters if c is not None])
        db.session.commit()
    return "clerk12"


def test_a_clerk_with_one_counter_lands_at_its_terminal(app: Flask, hall: Hall) -> None:
    browser = Browser(app)
    signed = browser.sign_in("clerk1")
    assert signed.headers["Location"] == f"/counter/{hall.counter_1}"
    terminal = browser.get(signed.headers["Location"])
    assert terminal.status_code == 200
    assert 'id="counter-title"' in terminal.get_data(as_text=True)


def test_a_clerk_with_several_counters_chooses_one(
    app: Flask, hall: Hall, two_counter_clerk: str
) -> None:
    browser = Browser(app)
    signed = browser.sign_in(two_counter_clerk)
    assert signed.headers["Location"] == "/counter"
    choice = browser.get("/counter")
    assert choice.status_code == 200
    page = choice.get_data(as_text=True)
    assert f"/counter/{hall.counter_1}" in page and f"/counter/{hall.counter_2}" in page


@pytest.mark.parametrize("username", ["super", "admin"])
def test_supervisors_and_admins_land_on_the_overview(app: Flask, hall: Hall, username: str) -> None:
    browser = Browser(app)
    signed = browser.sign_in(username)
    assert signed.headers["Location"] == "/admin/overview"
    overview = browser.get("/admin")
    assert overview.status_code == 200
    assert "Pantauan aula" in overview.get_data(as_text=True)


def test_next_still_wins_when_it_is_a_path_of_the_site(app: Flask, hall: Hall) -> None:
    browser = Browser(app)
    page = browser.get("/login?next=/admin/reports")
    signed = browser.client.post(
        "/login?next=/admin/reports",
        data={"username": "super", "password": "password123", "csrf_token": csrf_token(page)},
    )
    assert signed.headers["Location"] == "/admin/reports"


def test_home_links_the_console_for_those_who_may_open_it(app: Flask, hall: Hall) -> None:
    assert 'href="/admin/overview"' not in Browser(app).get("/").get_data(as_text=True)
    assert 'href="/admin/overview"' not in Browser(app, "clerk1").get("/").get_data(as_text=True)
    home = Browser(app, "admin").get("/").get_data(as_text=True)
    assert 'href="/admin/overview"' in home
    assert "Konsol admin" in home
    supervisor = Browser(app, "super").get("/").get_data(as_text=True)
    assert 'href="/admin/overview"' in supervisor and "Konsol admin" not in supervisor


def test_sign_in_notices_are_indonesian_and_gone_after_signing_in(app: Flask, hall: Hall) -> None:
    browser = Browser(app)
    sent = browser.get("/admin/reports")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/login")
    login = browser.get(sent.headers["Location"])
    assert "Please" not in login.get_data(as_text=True)
    assert "Silakan masuk untuk membuka halaman ini." in login.get_data(as_text=True)
    signed = browser.client.post(
        sent.headers["Location"],
        data={"username": "super", "password": "password123", "csrf_token": csrf_token(login)},
    )
    landed = browser.get(signed.headers["Location"]).get_data(as_text=True)
    assert "Please" not in landed and "Silakan masuk untuk membuka" not in landed
