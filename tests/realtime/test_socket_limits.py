"""What an anonymous socket may not do: hold more than its share of the process (a cap per
address), ask for snapshots without end (a resync throttle). The Origin check, the payload
limit and malformed packets need a real server: tests/integration/test_live_outage.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from queue_app.extensions import socketio

from ..conftest import app_with_tables, build_hall
from ..helpers import signed_in
from .test_screens_socket import issue, named, received


@pytest.fixture
def limited(tmp_path: object) -> Iterator[Flask]:
    with app_with_tables(
        f"sqlite:///{tmp_path}/limits.db", SOCKET_MAX_PER_ADDRESS=3, RESYNC_MIN_INTERVAL_S=60
    ) as application:
        with application.app_context():
            build_hall()
        yield application


def board(app: Flask, client: FlaskClient | None = None) -> SocketIOTestClient:
    return socketio.test_client(app, query_string="board=1", flask_test_client=client)


def test_one_address_holds_at_most_its_cap_of_anonymous_sockets(limited: Flask) -> None:
    client = limited.test_client()
    ticket = issue(client)
    open_ = [board(limited), board(limited)]
    open_.append(socketio.test_client(limited, query_string=f"ticket={ticket['token']}"))
    assert all(s.is_connected() for s in open_)
    refused = board(limited)
    assert not refused.is_connected()
    # One goes away: its place is free again.
    open_.pop(0).disconnect()
    again = board(limited)
    assert again.is_connected()
    assert named(received(again), "snapshot")[0]["kind"] == "board"
    # Staff sockets are signed in and not counted against the address.
    clerk = signed_in(limited, "clerk1")
    counter = socketio.test_client(limited, query_string="counter=1", flask_test_client=clerk)
    assert counter.is_connected()
    for s in [*open_, again, counter]:
        s.disconnect()


def test_resyncs_closer_than_the_interval_are_not_answered(limited: Flask) -> None:
    screen = board(limited)
    assert len(named(received(screen), "snapshot")) == 1
    for _ in range(20):
        screen.emit("resync")
    assert len(named(received(screen), "snapshot")) == 1  # the first only
    screen.disconnect()


def test_without_a_throttle_every_resync_is_answered(app: Flask, client: FlaskClient) -> None:
    app.config["RESYNC_MIN_INTERVAL_S"] = 0
    with app.app_context():
        build_hall()
    screen = board(app, client)
    received(screen)
    for _ in range(3):
        screen.emit("resync")
    assert len(named(received(screen), "snapshot")) == 3
    screen.disconnect()
