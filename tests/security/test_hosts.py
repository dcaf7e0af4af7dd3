"""TRUSTED_HOSTS (Flask's own setting): a request naming another host gets 400 — JSON on the
API, the error page elsewhere — and does nothing, so without PUBLIC_BASE_URL no request can put
another site's address in a ticket's status URL (its QR code). In production the app refuses to
start with neither PUBLIC_BASE_URL nor TRUSTED_HOSTS; `make run` (no LOKET_ENV) needs neither."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from queue_app.security import InsecureConfiguration

from ..conftest import app_with_tables, build_hall, make_app
from .test_rate_limits import tickets_in_db
from .test_secret_key import STRONG_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """A site that answers for antrean.example.go.id and every *.loket.example.id, with no
    PUBLIC_BASE_URL: status URLs come from the request's host."""
    hosts = "Antrean.Example.go.id, .loket.example.id"
    with app_with_tables(database_url, TRUSTED_HOSTS=hosts, PUBLIC_BASE_URL=None) as application:
        with application.app_context():
            build_hall()
        yield application


def issue(app: Flask, host: str) -> TestResponse:
    return app.test_client().post("/api/v1/tickets", json={"service": "A"}, headers={"Host": host})


@pytest.mark.parametrize("host", ["evil.example", "antrean.example.go.id.evil.example", "[::1]"])
def test_a_foreign_host_gets_400_and_issues_nothing(app: Flask, host: str) -> None:
    refused = issue(app, host)
    assert refused.status_code == 400
    assert refused.get_json() == {
        "error": "untrusted_host",
        "message": "this site does not answer for the host name in the request",
    }
    assert tickets_in_db(app) == []
    assert app.test_client().get("/api/v1/board", headers={"Host": host}).status_code == 400


def test_a_foreign_host_gets_the_error_page_outside_the_api(app: Flask) -> None:
    for path in ("/", "/kiosk", "/t/some-token"):
        page = app.test_client().get(path, headers={"Host": "evil.example"})
        assert page.status_code == 400, path
        assert page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        # It says, in words, that this address is not the hall's (and never echoes the host).
        page_en = app.test_client().get(path + "?lang=en", headers={"Host": "evil.example"})
        assert "Wrong address" in page_en.get_data(as_text=True)
        assert "evil.example" not in text
        assert "/static/css/loket.css" in text  # the site's own page, styled as usual


@pytest.mark.parametrize(
    "host",
    ["antrean.example.go.id", "antrean.example.go.id:8443", "kantor.loket.example.id"],
)
def test_a_trusted_host_is_served_and_names_the_status_url(app: Flask, host: str) -> None:
    issued = issue(app, host)
    assert issued.status_code == 201
    assert issued.get_json()["status_url"].startswith(f"http://{host}/t/")
    assert app.test_client().get("/", headers={"Host": host}).status_code == 200
    assert len(tickets_in_db(app)) == 1


@pytest.mark.parametrize(
    "hosts", ["https://antrean.example.go.id", "antrean.example.go.id/", "*", "a b"]
)
def test_trusted_hosts_must_be_host_names(hosts: str, tmp_path: Path) -> None:
    with pytest.raises(InsecureConfiguration, match=r"TRUSTED_HOSTS: .* is not a host name"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", TRUSTED_HOSTS=hosts)


def test_trusted_hosts_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRUSTED_HOSTS", "antrean.example.go.id, localhost,")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}")
    assert app.config["TRUSTED_HOSTS"] == ["antrean.example.go.id", "localhost"]
    monkeypatch.setenv("TRUSTED_HOSTS", "")
    assert make_app(f"sqlite:///{tmp_path / 'y.db'}").config["TRUSTED_HOSTS"] is None


# -- production ------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_public_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    for name in ("PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    for empty in (None, "", " , "):
        with pytest.raises(InsecureConfiguration) as refused:
            make_app(
                f"sqlite:///{tmp_path / 'x.db'}",
                SECRET_KEY=STRONG_KEY,
                PUBLIC_BASE_URL=None,
                TRUSTED_HOSTS=empty,
            )
        message = str(refused.value)
        assert "refuses to start in production" in message
        assert "neither PUBLIC_BASE_URL nor TRUSTED_HOSTS is set" in message
        assert "Set PUBLIC_BASE_URL" in message and "TRUSTED_HOSTS to the host names" in message


@pytest.mark.parametrize(
    "settings",
    [
        {"PUBLIC_BASE_URL": "https://antrean.example.go.id"},
        {"PUBLIC_BASE_URL": None, "TRUSTED_HOSTS": "antrean.example.go.id"},
    ],
)
def test_production_starts_with_either(
    settings: dict[str, str | None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", SECRET_KEY=STRONG_KEY, **settings)
    assert app.config["PRODUCTION"] is True


def test_development_starts_with_neither(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`make run`'s demo: nothing set, any host answered."""
    for name in ("LOKET_ENV", "PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    with app_with_tables(f"sqlite:///{tmp_path / 'x.db'}", PUBLIC_BASE_URL=None) as app:
        with app.app_context():
            build_hall()
        issued = issue(app, "192.168.1.20:8000")
        assert issued.status_code == 201
        assert issued.get_json()["status_url"].startswith("http://192.168.1.20:8000/t/")


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import wsgi (as gunicorn does) with this environment on top of a clean one."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LOKET_ENV", "PUBLIC_BASE_URL", "TRUSTED_HOSTS", "TRUSTED_PROXIES")
        and not k.startswith("PROXY_FIX_")
    }
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": "sqlite:///:memory:", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_real_production_start_without_a_public_address_exits_with_the_reason() -> None:
    done = start({"LOKET_ENV": "production", "SECRET_KEY": STRONG_KEY})
    assert done.returncode != 0
    assert "neither PUBLIC_BASE_URL nor TRUSTED_HOSTS is set" in done.stderr


def test_the_deploy_example_passes_the_start_checks() -> None:
    """deploy/loket.env.example (with a real key in place of its placeholder, and no Redis to
    reach) starts in production: it sets a public address and trusts its proxy."""
    example = ROOT / "deploy" / "loket.env.example"
    env = {}
    for line in example.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    assert env["LOKET_ENV"] == "production"
    assert env.get("PUBLIC_BASE_URL") or env.get("TRUSTED_HOSTS")
    assert env.get("TRUSTED_PROXIES") and env.get("PROXY_FIX_X_FOR")
    env.update({"SECRET_KEY": STRONG_KEY, "REDIS_URL": "", "DATABASE_URL": "sqlite:///:memory:"})
    done = start(env)
    assert done.returncode == 0, done.stderr
