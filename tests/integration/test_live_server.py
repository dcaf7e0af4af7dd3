"""One live test: the real server (gunicorn, gevent worker); issue and call over HTTP."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from .live import ROOT, flask_command, gunicorn_server

pytestmark = pytest.mark.live


def test_issue_and_call_over_http_against_gunicorn_gevent(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'live.db'}"
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    with gunicorn_server(database_url) as base:
        token = flask_command(env, "create-token", "petugas01").strip()
        staff = {"Authorization": f"Bearer {token}"}

        # Several kiosks at once: the gevent worker serves them concurrently.
        with ThreadPoolExecutor(8) as pool:
            issued = list(
                pool.map(
                    lambda _: requests.post(
                        f"{base}/api/v1/tickets", json={"service": "A"}, timeout=10
                    ),
                    range(8),
                )
            )
        assert [r.status_code for r in issued] == [201] * 8
        assert sorted(r.json()["number"] for r in issued) == list(range(1, 9))
        first = min(issued, key=lambda r: r.json()["number"]).json()
        assert first["status_url"].endswith(f"/t/{first['token']}")

        opened = requests.post(f"{base}/api/v1/counters/1/open", headers=staff, timeout=10)
        assert opened.status_code == 200 and opened.json()["state"] == "open"
        called = requests.post(f"{base}/api/v1/counters/1/call-next", headers=staff, timeout=10)
        assert called.status_code == 200
        assert called.json()["code"] == "A-001"
        assert called.json()["counter"]["number"] == 1

        board = requests.get(f"{base}/api/v1/board", timeout=10).json()
        assert board["recent_calls"][0]["code"] == "A-001"
        assert board["recent_calls"][0]["counter_number"] == 1
        mine = requests.get(f"{base}/api/v1/tickets/by-token/{first['token']}", timeout=10).json()
        assert mine["state"] == "called" and mine["counter"]["number"] == 1
        page = requests.get(
            first["status_url"].replace("https://loket.example.id", base), timeout=10
        )
        assert page.status_code == 200 and "A-001" in page.text

        # Bad input over the wire: a JSON error, never a 500.
        bad = requests.post(
            f"{base}/api/v1/tickets",
            data="{",
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert bad.status_code == 422 and bad.json()["error"] == "malformed_json"
        assert requests.post(f"{base}/api/v1/counters/1/call-next", timeout=10).status_code == 401
