"""`flask db upgrade` on an empty database yields exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
