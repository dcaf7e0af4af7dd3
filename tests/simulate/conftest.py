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
from queue_app.simulate import Accuracy, DayRun, Scenario, simulate_day
from tests.conftest import POSTGRES_URL, make_app, require_postgres, without_coverage

#: Applicants of the simulated day per backend (the hall is scaled to the day, see Scenario).
DAYS = {"sqlite": 1000, "postgres": 300}


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


#: Where the naive estimate is already this close to the real wait (its error under this share
#: of the mean wait), its one assumption holds and there is little left to beat.
NAIVE_RIGHT = 0.10


def beats_the_naive(row: Accuracy) -> bool:
    """Our estimate beats the naive one (people ahead × prior ÷ the counters serving the
    service) for this service, or the naive one is right there: in the mall, the land office's
    counters (no walk-ins) and the bank's (past its daily cap) have nothing of their own and
    serve the service they help full time, which is what the naive estimate assumes of every
    counter; with a prior close to the true round it is then nearly exact. Even there ours
    stays within twice its error."""
    if row.naive_s < NAIVE_RIGHT * row.mean_wait_s:
        return row.ours_s < 2 * row.naive_s
    return row.ours_s < row.naive_s
