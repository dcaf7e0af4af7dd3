"""The busy-day scenario driving a real server (gunicorn, gevent worker) over HTTP and
Socket.IO, as `bench/` uses it: a short, fast day."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_app.simulate import Scenario
from queue_app.simulate.live import LiveDay
from tests.integration.live import gunicorn_server

pytestmark = pytest.mark.live


def test_a_short_day_against_gunicorn(tmp_path: Path) -> None:
    scenario = Scenario(applicants=80, opens_at=time(8), closes_at=time(9), seed=3)
    with gunicorn_server(f"sqlite:///{tmp_path / 'live.db'}") as base:
        day = LiveDay(base, scenario, speed=900, phones=5)
        first = datetime.now(ZoneInfo(scenario.timezone)).date()
        stats = day.run()
        last = datetime.now(ZoneInfo(scenario.timezone)).date()  # a run across midnight
        # The supervisor's report of the day counts what the clients were answered. (How
        # many get served depends on how fast the machine answers: at 900x a 10 ms answer is
        # 9 simulated seconds, so no fixed share is asserted.)
        status, report = day.http.call(
            "GET", f"/api/v1/reports/daily?from={first}&to={last}", token=day.supervisor
        )
    assert status == 200
    assert stats.issued + sum(stats.refused.values()) == 80
    assert stats.issued > 40
    assert stats.served > 0
    assert report["totals"]["issued"] == stats.issued
    assert report["totals"]["served"] == stats.served
    assert not [k for k in stats.statuses if k.split()[-1].startswith("5")]
    assert stats.requests["call-next"] > 0 and stats.requests["finish"] > 0
    # The board followed the day over Socket.IO (how promptly is bench/'s business).
    assert stats.messages["snapshot"] >= 1
    assert stats.messages["board ticket"] > 100
    assert stats.messages["phone ticket"] > 0
    assert len(stats.lag_ms) == stats.messages["board ticket"]
