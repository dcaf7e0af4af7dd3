"""Fixtures for the scale-out tests: one cluster of 4 gunicorn processes (gevent) behind nginx,
on a fresh PostgreSQL schema, with a private Redis as the Socket.IO message queue; shared by the
tests of this folder (a test that kills something puts it back).

They need PostgreSQL ($TEST_POSTGRES_URL, as the rest of the suite), the `redis-server` binary
(Debian package redis-server: a private server is started on a free port, so the tests may kill
and restart it without disturbing anything else) and nginx (Debian package nginx; .ci/run
installs it). In CI (CI=true) a missing one fails these tests; elsewhere they are skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deploy.cluster import Cluster

from ..conftest import IN_CI, POSTGRES_URL, postgres_available
from .outside import RedisServer

PROCESSES = 4
#: Every cluster of these tests: issue rate limits off (many tickets from few addresses).
# 4 processes × 8 connections: the cluster stays well inside PostgreSQL's 100 connections while
# the other xdist worker runs its own PostgreSQL tests.
CLUSTER_ENV = {
    "RATELIMIT_ENABLED": "false",
    "LOG_LEVEL": "warning",
    "DB_POOL_SIZE": "4",
    "DB_MAX_OVERFLOW": "4",
}


def missing() -> list[str]:
    """What these tests need and this machine lacks."""
    problems = []
    if not (shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK)):
        problems.append("nginx (Debian package nginx)")
    if not (shutil.which("redis-server") or os.access("/usr/bin/redis-server", os.X_OK)):
        problems.append("redis-server (Debian package redis-server)")
    pg = postgres_available()
    if pg is not None:
        problems.append(f"PostgreSQL at {POSTGRES_URL} ({pg})")
    return problems


def require_cluster_tools() -> None:
    problems = missing()
    if not problems:
        return
    message = "the scale-out tests need " + "; ".join(problems)
    if IN_CI:
        pytest.fail(message + " — required in CI")
    pytest.skip(message + " — install/start them to run tests/cluster")


def schema_url(schema: str) -> str:
    sep = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="package")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cluster")


@pytest.fixture(scope="package")
def cluster_database_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for the cluster (its processes migrate it), dropped after."""
    require_cluster_tools()
    schema = f"c_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema_url(schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="package")
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    """A private Redis the tests may kill -9 and start again."""
    require_cluster_tools()
    server = RedisServer(workdir)
    server.start()
    yield server
    server.stop()


def cluster_of(
    database_url: str, redis_server: RedisServer, workdir: Path, processes: int = PROCESSES
) -> Cluster:
    """`processes` gunicorn processes behind nginx on the tests' database and Redis (enter it
    to start them)."""
    return Cluster(
        processes=processes,
        database_url=database_url,
        redis_url=redis_server.url,
        workdir=workdir,
        env=CLUSTER_ENV,
    )


@pytest.fixture(scope="package")
def shared_cluster(
    cluster_database_url: str, redis_server: RedisServer, workdir: Path
) -> Iterator[Cluster]:
    with cluster_of(cluster_database_url, redis_server, workdir / "shared") as cluster:
        yield cluster


@pytest.fixture
def cluster(shared_cluster: Cluster, redis_server: RedisServer) -> Cluster:
    """The shared cluster with Redis and every process running (an earlier test may have
    killed one and failed before putting it back)."""
    if not redis_server.running:
        redis_server.start()
    for index, pid in enumerate(shared_cluster.pids):
        if pid is None:
            shared_cluster.restart(index)
    return shared_cluster
