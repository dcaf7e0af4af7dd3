"""X-Forwarded-For and X-Forwarded-Proto count only from the proxies in TRUSTED_PROXIES: a
client that reaches the app directly is taken at its own address, whatever it sends, so a made-up
X-Forwarded-For no longer dodges the per-address limits. Settings that would trust everyone, or
that name something other than addresses, refuse to start. (A real gunicorn process behind
nginx: tests/cluster/test_forwarded_for.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from queue_app.security import InsecureConfiguration, TrustedProxies, trusted_networks

from ..conftest import app_with_tables, build_hall, make_app
from .test_rate_limits import LIMITS, tickets_in_db


@pytest.fixture
def behind(database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app with the issue limit (3 a minute per address) behind the proxies named by the
    test's parameter (TRUSTED_PROXIES), one hop of X-Forwarded-For and -Proto."""
    settings = {"TRUSTED_PROXIES": request.param, "PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1}
    with app_with_tables(database_url, **LIMITS, **settings, PUBLIC_BASE_URL=None) as app:
        with app.app_context():
            build_hall()
        yield app


def issue(app: Flask, peer: str, **headers: str) -> TestResponse:
    """An anonymous issue from `peer` (the direct peer: REMOTE_ADDR) with these headers."""
    return app.test_client().post(
        "/api/v1/tickets",
        json={"service": "A"},
        environ_base={"REMOTE_ADDR": peer},
        headers={name.replace("_", "-"): value for name, value in headers.items()},
    )


def statuses(responses: list[TestResponse]) -> list[int]:
    return [r.status_code for r in responses]


@pytest.mark.parametrize("behind", ["127.0.0.1"], indirect=True)
def test_a_trusted_proxys_forwarded_address_is_the_client(behind: Flask) -> None:
    """Through nginx (127.0.0.1) every applicant is counted at the address nginx forwards:
    two applicants get three tickets each, nginx's own address is not what counts."""
    first = [issue(behind, "127.0.0.1", X_Forwarded_For="10.1.0.1") for _ in range(4)]
    second = [issue(behind, "127.0.0.1", X_Forwarded_For="10.1.0.2") for _ in range(3)]
    assert statuses(first) == [201, 201, 201, 429]
    assert statuses(second) == [201, 201, 201]
    # nginx appends its peer to what the client sent: the last hop is the one that counts
    spoofed = issue(behind, "127.0.0.1", X_Forwarded_For="10.9.9.9, 10.1.0.1")
    assert spoofed.status_code == 429
    assert len(tickets_in_db(behind)) == 6


@pytest.mark.parametrize("behind", ["127.0.0.1"], indirect=True)
def test_an_untrusted_peers_forwarded_for_is_ignored(behind: Flask) -> None:
    """A client reaching the app directly, with a new X-Forwarded-For on every request: the
    limit counts its own address, so it gets 3 tickets of 15, not 15; another peer is served."""
    flood = [issue(behind, "192.168.5.7", X_Forwarded_For=f"10.2.{n}.{n}") for n in range(15)]
    assert statuses(flood) == [201] * 3 + [429] * 12
    assert issue(behind, "192.168.5.8", X_Forwarded_For="10.2.0.0").status_code == 201
    assert len(tickets_in_db(behind)) == 4


@pytest.mark.parametrize("behind", ["127.0.0.1"], indirect=True)
def test_x_forwarded_proto_only_from_a_trusted_proxy(behind: Flask) -> None:
    """Without PUBLIC_BASE_URL the status URL is built from the request: https from a trusted
    proxy that says so, the scheme of the connection from anyone else."""
    trusted = issue(behind, "127.0.0.1", X_Forwarded_For="10.3.0.1", X_Forwarded_Proto="https")
    direct = issue(behind, "192.168.5.9", X_Forwarded_Proto="https")
    assert trusted.get_json()["status_url"].startswith("https://localhost/t/")
    assert direct.get_json()["status_url"].startswith("http://localhost/t/")


@pytest.mark.parametrize("behind", ["10.0.0.0/8, 2001:db8::/32"], indirect=True)
def test_trusted_proxies_may_be_networks(behind: Flask) -> None:
    """Every address of a CIDR network is trusted (IPv6 too), an address outside is not."""
    proxies = ["10.20.30.40", "10.0.0.1", "2001:db8::7"]
    served = [issue(behind, proxy, X_Forwarded_For="172.16.0.1") for proxy in proxies]
    assert statuses(served) == [201, 201, 201]
    assert issue(behind, "10.255.0.1", X_Forwarded_For="172.16.0.1").status_code == 429
    outside = [issue(behind, "11.0.0.1", X_Forwarded_For=f"172.16.1.{n}") for n in range(4)]
    assert statuses(outside) == [201, 201, 201, 429]


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        ("10.1.2.3", True),
        ("::ffff:10.1.2.3", True),  # a dual-stack socket's IPv4 peer
        ("192.168.1.10", True),
        ("192.168.1.11", False),
        ("fd00::1", True),
        ("fe80::1", False),
        ("", False),
        (None, False),
        ("/run/loket.sock", False),
    ],
)
def test_which_peers_are_trusted(peer: str | None, trusted: bool) -> None:
    networks = trusted_networks("10.0.0.0/8,192.168.1.10, fd00::/8")
    assert TrustedProxies(lambda e, s: [], networks, 1, 0).trusts(peer) is trusted


def test_an_untrusted_peer_loses_its_forwarding_headers() -> None:
    """Nothing behind the middleware (the socket Origin check reads X-Forwarded-Host and
    -Proto) sees what an untrusted client claims; a trusted proxy's headers pass to ProxyFix."""
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(dict(environ))
        return []

    middleware = TrustedProxies(app, trusted_networks("127.0.0.1"), 1, 1)
    headers = {
        "HTTP_X_FORWARDED_FOR": "10.0.0.9",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "evil.example",
    }
    middleware({"REMOTE_ADDR": "192.168.1.1", "wsgi.url_scheme": "http", **headers}, None)
    middleware({"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", **headers}, None)
    direct, proxied = seen
    assert direct["REMOTE_ADDR"] == "192.168.1.1" and direct["wsgi.url_scheme"] == "http"
    assert not any(name.startswith("HTTP_X_FORWARDED") for name in direct)
    assert proxied["REMOTE_ADDR"] == "10.0.0.9" and proxied["wsgi.url_scheme"] == "https"


# -- settings that refuse to start -----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"PROXY_FIX_X_FOR": 1}, "without TRUSTED_PROXIES"),
        ({"PROXY_FIX_X_PROTO": 1}, "without TRUSTED_PROXIES"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": " , "}, "without TRUSTED_PROXIES"),
        ({"TRUSTED_PROXIES": "127.0.0.1"}, "PROXY_FIX_X_FOR and PROXY_FIX_X_PROTO are 0"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "nginx.internal"}, "'nginx.internal'"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "127.0.0.1,10.0.0.1/8"}, "'10.0.0.1/8'"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "10.0.0.256"}, "'10.0.0.256'"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "10.0.0.1;10.0.0.2"}, "'10.0.0.1;10.0.0.2'"),
        ({"PROXY_FIX_X_FOR": 1, "TRUSTED_PROXIES": "*"}, "'*'"),
    ],
)
def test_settings_that_would_trust_anyone_refuse_to_start(
    settings: dict[str, Any], says: str, tmp_path: Path
) -> None:
    with pytest.raises(InsecureConfiguration) as refused:
        make_app(f"sqlite:///{tmp_path / 'x.db'}", **settings)
    assert says in str(refused.value)
    assert "TRUSTED_PROXIES" in str(refused.value) or "PROXY_FIX_X_FOR" in str(refused.value)


def test_the_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As the systemd unit's environment file sets them: comma-separated, blanks ignored."""
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/24,")
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}")
    assert app.config["TRUSTED_PROXIES"] == ["127.0.0.1", "10.0.0.0/24"]
    monkeypatch.delenv("TRUSTED_PROXIES")
    with pytest.raises(InsecureConfiguration, match="without TRUSTED_PROXIES"):
        make_app(f"sqlite:///{tmp_path / 'y.db'}")


def test_without_any_proxy_settings_the_app_starts_and_ignores_the_headers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`make run`: nothing set, every client counted at its own address."""
    for name in ("TRUSTED_PROXIES", "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO"):
        monkeypatch.delenv(name, raising=False)
    with app_with_tables(f"sqlite:///{tmp_path / 'x.db'}", **LIMITS) as app:
        with app.app_context():
            build_hall()
        flood = [issue(app, "127.0.0.1", X_Forwarded_For=f"10.4.0.{n}") for n in range(4)]
        assert statuses(flood) == [201, 201, 201, 429]
