"""Render the nginx site (deploy/nginx/loket.conf) for a set of Loket processes.

    python -m deploy.nginx_site --backend 10.0.0.11:8000 --backend 10.0.0.12:8000 \\
        --listen 80 --server-name antrean.example.go.id --static /srv/loket/static \\
        > /etc/nginx/sites-available/loket
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx" / "loket.conf"


def render_site(
    backends: Sequence[str],
    *,
    listen: str = "80",
    server_name: str = "_",
    static_root: str | Path = ROOT / "static",
    extra: Sequence[str] = (),
    max_fails: int = 1,
    fail_timeout: str = "5s",
) -> str:
    """The site file for these backends (`host:port` each), listening on `listen`.

    `max_fails`/`fail_timeout`: after one failed connection a process is left out for a few
    seconds, and the clients it served (ip_hash) go to the next process meanwhile. `extra`:
    directives added to the server block (the local cluster adds a debugging header)."""
    if not backends:
        raise ValueError("at least one backend is needed")
    servers = "\n".join(
        f"    server {backend} max_fails={max_fails} fail_timeout={fail_timeout};"
        for backend in backends
    )
    text = TEMPLATE.read_text(encoding="utf-8")
    for marker, value in {
        "@UPSTREAM_SERVERS@": servers,
        "@LISTEN@": str(listen),
        "@SERVER_NAME@": server_name,
        "@STATIC_ROOT@": str(Path(static_root)).rstrip("/"),
        "@EXTRA@": "".join(f"    {line}\n" for line in extra),
    }.items():
        text = text.replace(marker, value)
    return text


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", required=True, help="host:port, repeat")
    parser.add_argument("--listen", default="80", help="nginx `listen` value (default 80)")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--static", default=str(ROOT / "static"), help="Loket's static/ folder")
    args = parser.parse_args(argv)
    print(
        render_site(
            args.backend,
            listen=args.listen,
            server_name=args.server_name,
            static_root=args.static,
        ),
        end="",
    )


if __name__ == "__main__":
    main()
