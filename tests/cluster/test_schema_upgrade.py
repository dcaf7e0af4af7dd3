"""Schema upgrades on PostgreSQL go through the Alembic migrations, and several app boxes may run
`flask db upgrade` at the same moment (each one's systemd unit on boot): one migrates, the others
wait for it and find nothing left to do."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from deploy.cluster import ROOT

pytestmark = pytest.mark.postgres


def test_three_concurrent_upgrades_of_an_empty_database_all_succeed(
    postgres_schema_url: str,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": postgres_schema_url,
        "SECRET_KEY": "schema-upgrade-test-key-0123456789abcdef",
        "PYTHONPATH": str(ROOT),
    }
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "queue_app", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [upgrade.communicate(timeout=120)[0] for upgrade in upgrades]
    assert [u.returncode for u in upgrades] == [0, 0, 0], outputs
    heads = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "queue_app", "db", "heads"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()[0]
    engine = create_engine(postgres_schema_url)
    with engine.connect() as conn:
        assert conn.scalars(text("SELECT version_num FROM alembic_version")).all() == [heads]
    engine.dispose()
