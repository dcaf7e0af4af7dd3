"""No CDN: every script, style, font, sound and image a screen loads comes from this server.

Checked twice: statically over every template and static file, and on the rendered pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from ..conftest import Hall

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = r"(?:https?:)?//[A-Za-z0-9]"
# Attributes that make a browser fetch something.
LOADING_ATTRS = ("src", "href", "action", "poster", "srcset", "data", "xlink:href", "formaction")
TEMPLATE_LOAD = re.compile(
    rf"""\b(?:{"|".join(LOADING_ATTRS)})\s*=\s*["']?\s*{EXTERNAL}""", re.IGNORECASE
)
CSS_LOAD = re.compile(rf"""(?:url\(\s*["']?\s*{EXTERNAL}|@import\s+["']?{EXTERNAL})""", re.I)
JS_URL = re.compile(rf"""["'`]{EXTERNAL}[^"'`]*["'`]""")
# URLs inside the vendored Socket.IO client that are text of an error message, never loaded.
JS_ALLOWED = {'"https://socket.io/docs/v3/migrating-from-2-x-to-3-0/"'}


def files(folder: str, *suffixes: str) -> list[Path]:
    found = [p for p in (ROOT / folder).rglob("*") if p.suffix in suffixes]
    assert found, f"no {suffixes} files under {folder}"
    return found


def test_no_template_or_static_file_loads_from_another_host() -> None:
    offenders = []
    for path in files("templates", ".html") + files("static", ".html", ".svg"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path}: {m.group(0)}" for m in TEMPLATE_LOAD.finditer(text)]
        offenders += [f"{path}: {m.group(0)}" for m in CSS_LOAD.finditer(text)]
    for path in files("static", ".css"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path}: {m.group(0)}" for m in CSS_LOAD.finditer(text)]
    for path in files("static", ".js"):
        text = path.read_text(encoding="utf-8")
        offenders += [
            f"{path}: {m.group(0)}" for m in JS_URL.finditer(text) if m.group(0) not in JS_ALLOWED
        ]
    assert offenders == []


def test_the_checks_catch_what_they_are_for() -> None:
    assert TEMPLATE_LOAD.search('<script src="https://cdn.example.com/x.js">')
    assert TEMPLATE_LOAD.search("<link href='//fonts.example.com/css'>")
    assert not TEMPLATE_LOAD.search('<svg xmlns="http://www.w3.org/2000/svg">')
    assert CSS_LOAD.search("@font-face { src: url(https://fonts.example.com/a.woff2) }")
    assert CSS_LOAD.search('@import "https://example.com/a.css";')
    assert JS_URL.search('io("https://socket.example.com")')
    assert not JS_URL.search('fetch("/api/v1/tickets")')


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in LOADING_ATTRS and value is not None:
                self.urls.append(value)


def test_rendered_screens_load_only_from_this_server(
    app: Flask, client: FlaskClient, hall: Hall
) -> None:
    ticket = client.post("/api/v1/tickets", json={"service": "A"}).get_json()
    clerk = app.test_client()
    clerk.post("/login", data={"username": "clerk1", "password": "password123"})
    pages = {
        "/": client,
        "/kiosk": client,
        f"/kiosk/ticket/{ticket['token']}": client,
        "/display": client,
        f"/t/{ticket['token']}": client,
        "/login": client,
        f"/counter/{hall.counter_1}": clerk,
        "/counter": app.test_client(),  # redirect to sign-in
        "/no-such-page": client,
    }
    for path, who in pages.items():
        response = who.get(path, follow_redirects=True)
        parser = Links()
        parser.feed(response.get_data(as_text=True))
        assert parser.urls, path
        for url in parser.urls:
            assert not re.match(EXTERNAL, url), f"{path} loads {url}"
            assert url.startswith(("/", "#", "?")), f"{path} links {url}"


def test_vendored_socketio_client_speaks_the_servers_protocol() -> None:
    """socket.io-client 4.x speaks Socket.IO protocol 5 (Engine.IO 4), as python-socketio 5.x
    and python-engineio 4.x do."""
    from importlib.metadata import version

    header = (ROOT / "static" / "vendor" / "socket.io.min.js").read_text(encoding="utf-8")[:200]
    found = re.search(r"Socket\.IO v(\d+)\.(\d+)\.(\d+)", header)
    assert found and found.group(1) == "4"
    assert version("python-socketio").split(".")[0] == "5"
    assert version("python-engineio").split(".")[0] == "4"
