"""Forwarded addresses against a real gunicorn process behind nginx, with TRUSTED_PROXIES set to
nginx's address only (127.0.0.1): through nginx the per-address issue limit counts the address
nginx forwards (X-Forwarded-For); a client that reaches the process directly from another
address of this machine (127.0.0.2: not nginx) and makes up a new X-Forwarded-For on every
request is counted at its own address, and refused after the limit. (The same rules with the
Flask test client: tests/security/test_proxies.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from deploy.cluster import Cluster

from .conftest import CLUSTER_ENV
from .halls import SourceAddress, TestHall, build_halls, tickets_of
from .outside import RedisServer

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

#: Tickets per minute one address may take without an account.
LIMIT = 3
#: nginx connects to the process from here, and only from here is X-Forwarded-For believed.
NGINX = "127.0.0.1"


@pytest.fixture(scope="module")
def limited_cluster(
    cluster_database_url: str, redis_server: RedisServer, workdir: Path
) -> Iterator[Cluster]:
    """One process behind nginx with the issue limit on (counted in the private Redis), and
    the trusted proxies deploy/cluster.py sets for it: nginx's address only."""
    if not redis_server.running:
        redis_server.start()
    env = {
        **CLUSTER_ENV,
        "RATELIMIT_ENABLED": "true",
        "ISSUE_RATE_LIMIT_PER_IP": f"{LIMIT} per minute",
    }
    with Cluster(
        processes=1,
        database_url=cluster_database_url,
        redis_url=redis_server.url,
        workdir=workdir / "forwarded-for",
        env=env,
    ) as cluster:
        assert cluster.env["TRUSTED_PROXIES"] == NGINX
        assert cluster.env["PROXY_FIX_X_FOR"] == "1"
        yield cluster


@pytest.fixture(scope="module")
def hall(limited_cluster: Cluster, cluster_database_url: str) -> TestHall:
    return build_halls(cluster_database_url, 1, services="A", name="forwarded")[0]


def client_at(address: str) -> requests.Session:
    """An HTTP client whose connections come from `address` (any 127.x.y.z is this machine)."""
    session = requests.Session()
    session.mount("http://", SourceAddress(address))
    return session


def issue_all(client: requests.Session, base: str, hall: TestHall, spoofed: list[str]) -> list[int]:
    """One anonymous issue per made-up X-Forwarded-For; the statuses."""
    return [
        client.post(
            f"{base}/api/v1/tickets?site={hall.site_id}",
            json={"service": "A", "channel": "kiosk"},
            headers={"X-Forwarded-For": address},
            timeout=10,
        ).status_code
        for address in spoofed
    ]


def spoofed_addresses(prefix: str, count: int = 15) -> list[str]:
    return [f"{prefix}.{n}" for n in range(1, count + 1)]


def test_through_nginx_the_limit_counts_the_address_nginx_forwards(
    limited_cluster: Cluster, hall: TestHall, cluster_database_url: str
) -> None:
    """Two applicants behind nginx: each gets its own LIMIT tickets (the process counts them at
    their addresses, not at nginx's), and what a client writes in X-Forwarded-For itself changes
    nothing (nginx appends the address it sees; the process takes that last hop)."""
    before = len(tickets_of(cluster_database_url, [hall.site_id]))
    first = issue_all(
        client_at("127.0.0.3"), limited_cluster.url, hall, spoofed_addresses("10.6.0")
    )
    second = issue_all(client_at("127.0.0.4"), limited_cluster.url, hall, ["10.6.1.1"] * LIMIT)
    assert first == [201] * LIMIT + [429] * (15 - LIMIT)
    assert second == [201] * LIMIT
    assert len(tickets_of(cluster_database_url, [hall.site_id])) == before + 2 * LIMIT


def test_directly_from_an_untrusted_address_a_spoofed_forwarded_for_is_ignored(
    limited_cluster: Cluster, hall: TestHall, cluster_database_url: str
) -> None:
    """Straight to the process (bypassing nginx) from 127.0.0.2 with a new X-Forwarded-For on
    each of 15 requests: LIMIT tickets, then 429 — the spoofing no longer lets all 15 through.
    The same 15 from nginx's own address are believed (so it is the peer check that refuses),
    and another untrusted peer still has its own limit."""
    backend = limited_cluster.backends[0]
    before = len(tickets_of(cluster_database_url, [hall.site_id]))
    direct = issue_all(client_at("127.0.0.2"), backend, hall, spoofed_addresses("203.0.113"))
    assert direct == [201] * LIMIT + [429] * (15 - LIMIT)
    assert issue_all(client_at("127.0.0.5"), backend, hall, ["203.0.113.1"]) == [201]
    as_nginx = issue_all(client_at(NGINX), backend, hall, spoofed_addresses("198.51.100"))
    assert as_nginx == [201] * 15
    assert len(tickets_of(cluster_database_url, [hall.site_id])) == before + LIMIT + 1 + 15
