"""After sign-in the user goes where `next` says only when it is a path of this site; anything
that a browser could read as another host goes where the user works instead (issue 14, item 1;
for clerk1, with one counter, their terminal: issue 13, item 14)."""

from __future__ import annotations

import pytest
from flask import Flask

from ..conftest import Hall

CLERK = {"username": "clerk1", "password": "password123"}

HOSTILE = [
    "/%09/evil.example/phish",  # Werkzeug strips the TAB: //evil.example/phish
    "/%0a/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "/%5cevil.example/",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "/%2f/evil.example/",
    "%2f%2fevil.example",
    "evil.example",
    "/%E3%80%80/evil.example",  # an ideographic space
]


@pytest.mark.parametrize("target", HOSTILE)
def test_a_next_that_leaves_the_site_goes_home(app: Flask, hall: Hall, target: str) -> None:
    signed = app.test_client().post(f"/login?next={target}", data=CLERK)
    assert signed.status_code == 302
    assert signed.headers["Location"] == f"/counter/{hall.counter_1}", target


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/\r\nSet-Cookie: x=1"])
def test_a_next_with_cr_lf_goes_home_and_sets_nothing(app: Flask, hall: Hall, target: str) -> None:
    client = app.test_client()
    signed = client.post(
        "/login", query_string={"next": target.replace("%0d%0a", "\r\n")}, data=CLERK
    )
    assert signed.status_code == 302
    assert signed.headers["Location"] == f"/counter/{hall.counter_1}"
    assert "x=1" not in signed.headers.get("Set-Cookie", "")
    # Signed in all the same: the counter terminal opens instead of sending to the sign-in.
    counter = client.get("/counter")
    assert not counter.headers.get("Location", "").startswith("/login")


def test_a_path_of_this_site_is_followed(app: Flask, hall: Hall) -> None:
    signed = app.test_client().post("/login?next=/counter/3", data=CLERK)
    assert signed.headers["Location"] == "/counter/3"
    with_query = app.test_client().post(
        "/login", query_string={"next": "/admin/?site=1"}, data=CLERK
    )
    assert with_query.headers["Location"] == "/admin/?site=1"
