"""A simulated busy day, played once per module: a scaled-down day on SQLite and a small one on
PostgreSQL (the report's SQL must agree on both)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from queue_app.extensions import db
from queue_app.simulate import DayRun, Scenario, simulate_day
from tests.conftest import POSTGRES_URL, make_app, require_postgres, without_coverage

#: Applicants of the simulated day per backend (the hall is scaled to the day, see Scenario).
DAYS = {"sqlite": 1500, "postgres": 300}


@dataclass
class SimulatedDay:
    app: Flask
    run: DayRun
    backend: str


def play(database_url: str, scenario: Scenario, backend: str) -> SimulatedDay:
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        db.session.commit()
        run = simulate_day(db.session, scenario)
        db.session.remove()
    return SimulatedDay(app, run, backend)


@pytest.fixture(scope="module", params=list(DAYS))
def busy_day(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimulatedDay]:
    backend = str(request.param)
    scenario = Scenario(applicants=DAYS[backend])
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("busy") / "day.db"
        with without_coverage(request.config):
            day = play(f"sqlite:///{path}", scenario, backend)
        yield day
        with day.app.app_context():
            db.engine.dispose()
        return
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in POSTGRES_URL else "?"
        with without_coverage(request.config):
            day = play(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}", scenario, backend)
        yield day
        with day.app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
