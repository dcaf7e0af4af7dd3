"""Rate limits (Flask-Limiter): a kiosk or an address flooding the issue endpoint gets 429 with
a clear message while everyone else is served; failed sign-ins are throttled per address and
per username, and recorded; `RATELIMIT_ENABLED=false` turns it all off; with Redis the count is
shared by every process."""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from queue_app.domain.vocabulary import Role
from queue_app.extensions import db
from queue_app.models import AdminChange, Ticket, User

from ..conftest import IN_CI, Hall, app_with_tables, build_hall
from ..helpers import bearer, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "ISSUE_RATE_LIMIT_PER_IP": "3 per minute",
    "ISSUE_RATE_LIMIT_PER_DEVICE": "5 per minute",
    "LOGIN_RATE_LIMIT": "3 per minute",
    "LOGIN_RATE_LIMIT_PER_USER_ADDRESS": "2 per minute",
}


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    with app_with_tables(database_url, **LIMITS) as application:
        yield application


@pytest.fixture
def hall(app: Flask) -> Hall:
    with app.app_context():
        hall = build_hall()
        make_user(db.session, "kiosk1", Role.KIOSK)
        make_user(db.session, "kiosk2", Role.KIOSK)
        db.session.commit()
        return hall


def from_address(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def issue(client: FlaskClient, address: str = "10.0.0.1", **kwargs: Any) -> TestResponse:
    return client.post(
        "/api/v1/tickets",
        json={"service": "A", "channel": "kiosk"},
        **from_address(address),
        **kwargs,
    )


def tickets_in_db(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [(t.code, t.channel) for t in db.session.scalars(select(Ticket).order_by(Ticket.id))]


def assert_rate_limited(response: TestResponse) -> None:
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"] == "rate_limited"
    assert "try again in" in body["message"]
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 61  # a minute window, rounded up to whole seconds
    assert body["detail"]["retry_after_s"] == wait


# -- issuing ---------------------------------------------------------------------------------


def test_a_flooding_kiosk_gets_429_while_others_are_served(app: Flask, hall: Hall) -> None:
    """Kiosk 1 sends 20 requests at once; it gets exactly its 5 tickets and 15 clear 429s.
    Meanwhile kiosk 2 (same address) and a phone (another address) are served."""
    client = app.test_client()
    kiosk1, kiosk2 = bearer(app, "kiosk1"), bearer(app, "kiosk2")
    statuses: list[int] = []
    lock = threading.Lock()
    refused: list[TestResponse] = []

    def press() -> None:
        response = issue(app.test_client(), headers=kiosk1)
        with lock:
            statuses.append(response.status_code)
            if response.status_code == 429:
                refused.append(response)

    threads = [threading.Thread(target=press) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [429] * 15
    assert_rate_limited(refused[0])

    others = [issue(client, headers=kiosk2) for _ in range(5)]
    others.append(issue(client, "10.9.9.9"))
    assert [r.status_code for r in others] == [201] * 6
    assert_rate_limited(issue(client, headers=kiosk1))
    assert_rate_limited(issue(client, headers=kiosk2))
    # exactly the served ones exist; a device account's tickets are kiosk tickets
    made = tickets_in_db(app)
    assert len(made) == 11 and len({code for code, _ in made}) == 11
    assert {channel for _, channel in made} == {"kiosk"}


def test_anonymous_issuing_is_limited_per_address(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    assert [issue(client, "10.0.0.1").status_code for _ in range(3)] == [201] * 3
    flood = issue(client, "10.0.0.1")
    assert_rate_limited(flood)
    assert flood.headers["Content-Type"] == "application/json"
    assert issue(client, "10.0.0.2").status_code == 201
    assert len(tickets_in_db(app)) == 4


def test_behind_a_proxy_the_forwarded_address_counts_only_with_proxy_fix(
    database_url: str,
) -> None:
    """Without PROXY_FIX_X_FOR nobody can dodge the limit by sending X-Forwarded-For; with it
    (behind nginx, a trusted proxy) each applicant's own address is counted, not nginx's.
    Untrusted peers: tests/security/test_proxies.py."""
    for proxies, served in ((0, 3), (1, 6)):
        behind = {"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "127.0.0.1"} if proxies else {}
        with app_with_tables(database_url, **LIMITS, **behind) as app:
            with app.app_context():
                build_hall()
            client = app.test_client()
            statuses = [
                issue(
                    client, "127.0.0.1", headers={"X-Forwarded-For": f"10.1.0.{n % 2}"}
                ).status_code
                for n in range(6)
            ]
            assert statuses.count(201) == served, (proxies, statuses)
            with app.app_context():
                db.drop_all()


def test_ratelimit_enabled_false_turns_limits_off(database_url: str) -> None:
    with app_with_tables(database_url, **{**LIMITS, "RATELIMIT_ENABLED": False}) as app:
        with app.app_context():
            build_hall()
        client = app.test_client()
        assert {issue(client).status_code for _ in range(12)} == {201}


# -- signing in ------------------------------------------------------------------------------


def login(client: FlaskClient, username: str, password: str, address: str) -> TestResponse:
    return client.post(
        "/login", data={"username": username, "password": password}, **from_address(address)
    )


def test_password_guessing_is_throttled_per_address(app: Flask, hall: Hall) -> None:
    client = app.test_client()
    # successful sign-ins do not count
    assert {login(client, "clerk1", "password123", "10.0.0.5").status_code for _ in range(5)} == {
        302
    }
    # one failure each for several usernames: they count against the address
    for name in ("clerk1", "no-such-user", "petugas21"):
        assert login(app.test_client(), name, "guess", "10.0.0.5").status_code == 401
    blocked = app.test_client()
    throttled = login(blocked, "clerk2", "password123", "10.0.0.5")  # even the right password
    assert throttled.status_code == 429
    assert throttled.mimetype == "text/html"
    page = throttled.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in page
    assert "Retry-After" in throttled.headers
    assert blocked.get("/counter").headers["Location"].startswith("/login")  # not signed in
    english = blocked.post(
        "/login?lang=en",
        data={"username": "clerk2", "password": "password123"},
        **from_address("10.0.0.5"),
    )
    assert english.status_code == 429 and "Too many attempts" in english.get_data(as_text=True)
    # the API token endpoint shares the count: the address is blocked there too
    api = app.test_client().post(
        "/api/v1/auth/token",
        json={"username": "clerk2", "password": "password123"},
        **from_address("10.0.0.5"),
    )
    assert_rate_limited(api)
    # another address signs in normally
    assert login(app.test_client(), "clerk2", "password123", "10.0.0.6").status_code == 302


def test_guesses_from_many_addresses_never_lock_the_clerk_out(app: Flask, hall: Hall) -> None:
    """Usernames are predictable: 50 wrong passwords for clerk1 from 50 addresses within the
    hour, and the real clerk's right password from an address with no failures still signs
    in. Every failure is in the audit."""
    for n in range(50):
        assert login(app.test_client(), "Clerk1 ", "guess", f"10.2.0.{n}").status_code == 401
    assert login(app.test_client(), "clerk1", "password123", "10.2.1.1").status_code == 302
    token = app.test_client().post(
        "/api/v1/auth/token",
        json={"username": "clerk1", "password": "password123"},
        **from_address("10.2.1.2"),
    )
    assert token.status_code == 201
    with app.app_context():
        failures = db.session.scalars(
            select(AdminChange.changes).where(AdminChange.action == "sign_in_failed")
        ).all()
    assert len(failures) == 50
    assert {f["address"] for f in failures} == {f"10.2.0.{n}" for n in range(50)}


def test_guessing_one_username_from_one_address_is_throttled(app: Flask, hall: Hall) -> None:
    """Per (username, address): after 2 failures that address waits for that username, form
    and API alike, while it may still sign in as someone else and the clerk elsewhere too."""
    for _ in range(2):
        assert login(app.test_client(), "clerk1", "guess", "10.2.2.1").status_code == 401
    assert login(app.test_client(), "clerk1", "password123", "10.2.2.1").status_code == 429
    token = app.test_client().post(
        "/api/v1/auth/token",
        json={"username": "CLERK1", "password": "password123"},
        **from_address("10.2.2.1"),
    )
    assert_rate_limited(token)
    assert login(app.test_client(), "clerk2", "password123", "10.2.2.1").status_code == 302
    assert login(app.test_client(), "clerk1", "password123", "10.2.2.2").status_code == 302


def test_failed_sign_ins_are_recorded_without_the_password(app: Flask, hall: Hall) -> None:
    login(app.test_client(), "clerk1", "Secret-guess-1", "10.3.0.1")
    app.test_client().post(
        "/api/v1/auth/token",
        json={"username": "no-such-user", "password": "Secret-guess-2"},
        **from_address("10.3.0.2"),
    )
    with app.app_context():
        clerk1_id = db.session.scalars(select(User.id).where(User.username == "clerk1")).one()
        rows = db.session.scalars(
            select(AdminChange)
            .where(AdminChange.action == "sign_in_failed")
            .order_by(AdminChange.id)
        ).all()
        recorded = [(r.entity, r.user_id, r.changes) for r in rows]
    assert recorded == [
        ("session", clerk1_id, {"via": "form", "address": "10.3.0.1", "known_user": True}),
        ("session", None, {"via": "api", "address": "10.3.0.2", "known_user": False}),
    ]
    text = json.dumps(recorded)
    assert "Secret-guess" not in text and "no-such-user" not in text


# -- Redis: one count for every process ------------------------------------------------------


def require_redis() -> None:
    """Fail in CI, skip elsewhere, when Redis does not answer."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis not reachable at {REDIS_URL} ({exc})"
        if IN_CI:
            pytest.fail(message + " — it is required in CI")
        pytest.skip(message + " — start it to run this test")


def test_with_redis_the_limit_is_shared_by_every_process(database_url: str) -> None:
    """Two app instances (two gunicorn processes) with REDIS_URL: the limit counts across both,
    and the storage really is Redis (RATELIMIT_STORAGE_URI defaults to REDIS_URL)."""
    require_redis()
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    # REDIS_URL alone would also make Socket.IO use Redis; the limiter's own setting is enough
    # here and keeps the test's Socket.IO in-process.
    config = {**LIMITS, "RATELIMIT_STORAGE_URI": REDIS_URL}
    with app_with_tables(database_url, **config) as first:
        with first.app_context():
            build_hall()
        second = app_with_tables(database_url, **config)
        with second as other:
            limiter = first.extensions["loket_limiter"]
            assert type(limiter.storage).__name__ == "RedisStorage"

            def served(app: Flask) -> int:
                return issue(app.test_client(), address).status_code

            assert [served(first), served(other), served(first)] == [201, 201, 201]
            assert_rate_limited(issue(other.test_client(), address))
            assert_rate_limited(issue(first.test_client(), address))


def test_a_rate_limit_store_that_is_down_never_fails_issuing(database_url: str) -> None:
    """Redis gone (restarting, unreachable): tickets are still issued, and the limits go on
    counting in this process's memory until it is back."""
    config = {**LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}  # nothing listens
    with app_with_tables(database_url, **config) as app:
        with app.app_context():
            build_hall()
        client = app.test_client()
        assert [issue(client, "10.4.0.1").status_code for _ in range(3)] == [201] * 3
        assert_rate_limited(issue(client, "10.4.0.1"))
        assert issue(client, "10.4.0.2").status_code == 201


def test_a_kiosk_account_signs_in_to_the_kiosk_and_issues_as_the_kiosk(
    app: Flask, hall: Hall
) -> None:
    kiosk = app.test_client()
    signed = kiosk.post("/login", data={"username": "kiosk1", "password": "password123"})
    assert signed.headers["Location"] == "/kiosk"
    assert issue(kiosk).status_code == 201  # its session, like the kiosk page's script
    assert kiosk.get("/counter").status_code == 403
    assert kiosk.post(f"/api/v1/counters/{hall.counter_1}/call-next").status_code == 403
    assert tickets_in_db(app) == [("A-001", "kiosk")]
    # after sign-in only a path of this site is followed, never another host
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        other = app.test_client().post(
            "/login?next=" + target, data={"username": "clerk1", "password": "password123"}
        )
        assert other.headers["Location"] == f"/counter/{hall.counter_1}", target
