"""`make serve-cluster`: Loket scaled out on this machine — N gunicorn processes (gevent) behind
nginx, sharing PostgreSQL and Redis — until Ctrl-C.

    .venv/bin/python scripts/serve_cluster.py --processes 4 --port 8080

DATABASE_URL defaults to the database `loket` on the local PostgreSQL (created when missing),
REDIS_URL to the local Redis; the demo hall is seeded when the database has no services. A
process that dies is started again, as systemd would. nginx's config, pids and logs, and each
process's log, are under instance/cluster/. See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deploy.cluster import Cluster  # noqa: E402  (after the path is set)

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/loket"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist yet."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
                print(f"Created the PostgreSQL database {parsed.database!r}.")
    finally:
        server.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=int(os.environ.get("PROCESSES", "4")))
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--host", default="0.0.0.0", help="nginx's address (default: all)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or None)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--workdir", default=str(ROOT / "instance" / "cluster"))
    args = parser.parse_args()

    database_url = args.database_url or DEFAULT_DATABASE_URL
    ensure_database(database_url)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    cluster = Cluster(
        processes=args.processes,
        database_url=database_url,
        redis_url=args.redis_url,
        workdir=args.workdir,
        seed_demo=True,
        port=args.port,
        nginx_host=args.host,
    )
    try:
        with cluster:
            print(cluster.seed_output.rstrip())
            print(f"\nLoket: {args.processes} processes behind nginx on {cluster.url}/")
            for index, backend in enumerate(cluster.backends):
                print(f"  process {index}: {backend}  (pid {cluster.pids[index]})")
            print(f"  database: {make_url(database_url).render_as_string(hide_password=True)}")
            print(f"  Redis:    {args.redis_url}")
            print(f"  logs:     {args.workdir}/")
            print("Ctrl-C stops everything.\n")
            while True:
                time.sleep(2)
                for index, pid in enumerate(cluster.pids):
                    if pid is None:
                        print(f"process {index} died; starting it again", flush=True)
                        cluster.restart(index)
    except KeyboardInterrupt:
        print("\nStopping.")


if __name__ == "__main__":
    main()
