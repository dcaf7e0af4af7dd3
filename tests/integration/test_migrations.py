"""`flask db upgrade` on an empty database yields exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from queue_app.extensions import db

from ..conftest import make_app


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_upgrade_on_empty_database_matches_the_models(database_url: str) -> None:
    app = make_app(database_url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            diff = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert diff == []
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_seed_demo_fills_an_empty_database_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(f"sqlite:///{tmp_path / 'demo.db'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "petugas01" in first.output
    services = app.test_client().get("/api/v1/services").get_json()
    counters = app.test_client().get("/api/v1/counters").get_json()
    assert len(services) == 10
    assert len(counters) >= 30
    assert any(s["quota_left"] is not None for s in services)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert "already has services" in second.output
    assert len(app.test_client().get("/api/v1/services").get_json()) == 10
    # The demo credentials it prints work.
    token = app.test_client().post(
        "/api/v1/auth/token", json={"username": "admin", "password": "admin-loket"}
    )
    assert token.status_code == 201
    with app.app_context():
        db.engine.dispose()


def test_create_user_and_create_token_commands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(f"sqlite:///{tmp_path / 'cli.db'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    made = runner.invoke(
        args=[
            "create-user",
            "siti",
            "--role",
            "clerk",
            "--password",
            "rahasia123",
            "--counters",
            "3,4",
        ]
    )
    assert made.exit_code == 0, made.output
    bad = runner.invoke(
        args=[
            "create-user",
            "budi",
            "--role",
            "clerk",
            "--password",
            "rahasia123",
            "--counters",
            "999",
        ]
    )
    assert bad.exit_code != 0 and "999" in bad.output
    out = runner.invoke(args=["create-token", "siti"])
    assert out.exit_code == 0
    token = out.output.strip()
    assert len(token.splitlines()) == 1 and len(token) >= 40
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/counters/3/open", headers=headers).status_code == 200
    assert client.post("/api/v1/counters/1/open", headers=headers).status_code == 403
    assert runner.invoke(args=["create-token", "nobody"]).exit_code != 0
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
def test_a_hall_of_before_the_mall_migrates_without_losing_a_ticket_or_event(
    database_url: str,
) -> None:
    """A wave-1 database (schema 0010: one hall, no zones or agencies) with a day's tickets
    upgrades to the mall: every ticket and event is kept as it was, and the site gets one
    zone and one agency holding all its services and counters, so it behaves as before."""
    app = make_app(database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert runner.invoke(args=["seed-demo", "--one-hall"]).exit_code == 0
    client = app.test_client()
    issued = [client.post("/api/v1/tickets", json={"service": code}) for code in "AABCKA"]
    assert all(r.status_code == 201 for r in issued)

    def rows(table: str) -> list[tuple[object, ...]]:
        with app.app_context(), db.engine.connect() as conn:
            found = conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            return [tuple(row) for row in found]

    before = {t: rows(t) for t in ("tickets", "ticket_events", "services", "counters", "sites")}
    assert len(before["tickets"]) == 6 and len(before["ticket_events"]) >= 6
    # Back to the schema of before the mall (its data stays), then up again.
    down = runner.invoke(args=["db", "downgrade", "0010"])
    assert down.exit_code == 0, down.output
    with app.app_context(), db.engine.connect() as conn:
        assert "zones" not in inspect(conn).get_table_names()
        assert "zone_id" not in {c["name"] for c in inspect(conn).get_columns("services")}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output

    assert rows("tickets") == before["tickets"]
    assert rows("ticket_events") == before["ticket_events"]
    assert rows("sites") == before["sites"]
    with app.app_context(), db.engine.connect() as conn:
        zones = conn.execute(text("SELECT id, site_id, room_capacity FROM zones")).all()
        agencies = conn.execute(text("SELECT id, site_id, walk_in, daily_cap FROM agencies")).all()
        assert len(zones) == 1 and len(agencies) == 1
        assert zones[0].room_capacity is None  # the hall's cap stays the building's
        assert agencies[0].walk_in and agencies[0].daily_cap is None
        placed = conn.execute(text("SELECT DISTINCT zone_id, agency_id FROM services")).all()
        assert [tuple(p) for p in placed] == [(zones[0].id, agencies[0].id)]
        counters = conn.execute(text("SELECT DISTINCT zone_id FROM counters")).all()
        assert [c[0] for c in counters] == [zones[0].id]
    # The hall works as before: the cap, the numbers, the public view.
    after = client.post("/api/v1/tickets", json={"service": "A"})
    assert after.status_code == 201 and after.get_json()["number"] == 4
    assert after.get_json()["zone"]["id"] == zones[0].id
    with app.app_context():
        db.engine.dispose()
