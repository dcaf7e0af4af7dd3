"""The database connection dropping in the middle of a request (one process, PostgreSQL through a
TCP proxy the test cuts at an exact point): the request still gets a clean answer — the one it
had, or a 503 JSON error — never a 500, and the next request recovers by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from sqlalchemy import text

from queue_app.extensions import db, rollback_session

from ..conftest import app_with_tables
from ..helpers import make_site
from .outside import TcpProxy

pytestmark = pytest.mark.postgres


@pytest.fixture
def proxy(postgres_schema_url: str, tmp_path: Path) -> Iterator[TcpProxy]:
    target = urlsplit(postgres_schema_url)
    server = TcpProxy(tmp_path, target.hostname or "127.0.0.1", target.port or 5432)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(postgres_schema_url: str, proxy: TcpProxy) -> Iterator[Flask]:
    parts = urlsplit(postgres_schema_url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    url = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))
    with app_with_tables(url) as application:

        @application.get("/outage/<when>")
        def cut_mid_request(when: str) -> str:
            """Read (a transaction is open on a live connection), then lose the database."""
            db.session.execute(text("SELECT 1"))
            proxy.kill()
            if when == "then-read":
                db.session.execute(text("SELECT 1"))
            return "answered"

        @application.get("/outage/after-commit")
        def cut_after_commit() -> str:
            """As a view that committed, broadcast and then reads its row back for the answer."""
            site = make_site(db.session)
            db.session.commit()
            db.session.execute(text("SELECT 1"))  # the broadcast's read transaction
            proxy.kill()
            rollback_session()  # how broadcast.publish ends it
            return site.name  # expired by the commit: needs the database again

        yield application
        if not proxy.running:
            proxy.start()


def test_a_connection_lost_after_the_last_query_does_not_fail_the_answer(
    app: Flask, proxy: TcpProxy
) -> None:
    response = app.test_client().get("/outage/after-reading")
    assert response.status_code == 200 and response.text == "answered"
    proxy.start()
    assert app.test_client().get("/api/v1/services").status_code in (200, 404)


def test_a_connection_lost_mid_request_answers_503_and_the_next_request_recovers(
    app: Flask, proxy: TcpProxy
) -> None:
    response = app.test_client().get("/outage/then-read", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json == {
        "error": "database_unavailable",
        "message": "the database is not reachable; try again shortly",
    }
    down = app.test_client().get("/api/v1/services")
    assert down.status_code == 503 and down.json["error"] == "database_unavailable"
    proxy.start()
    assert app.test_client().get("/api/v1/services").status_code in (200, 404)


def test_a_connection_lost_after_the_commit_answers_503_not_500(
    app: Flask, proxy: TcpProxy
) -> None:
    response = app.test_client().get("/outage/after-commit", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json["error"] == "database_unavailable"
    proxy.start()
    assert app.test_client().get("/api/v1/services").status_code == 200
