"""Fixtures for notifications: a receiver, and an app with notifications on that sends to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from queue_app.extensions import db
from queue_app.notify.worker import Worker

from ..conftest import app_with_tables
from .receiver import Receiver, running_receiver

SECRET = "whsec-test-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


def notify_config(receiver: Receiver, **extra: Any) -> dict[str, Any]:
    return {
        "NOTIFY_ENABLED": True,
        "NOTIFY_WEBHOOK_URL": receiver.url,
        "NOTIFY_WEBHOOK_SECRET": SECRET,
        # Long enough that a loaded machine never turns a slow answer into a retry (and so a
        # second delivery); the timeout tests set their own.
        "NOTIFY_TIMEOUT_S": 5,
        **extra,
    }


@pytest.fixture
def app(database_url: str, receiver: Receiver) -> Iterator[Flask]:
    with app_with_tables(database_url, **notify_config(receiver)) as application:
        yield application


class Clock:
    """A clock the test moves by hand (the worker's `clock`)."""

    def __init__(self) -> None:
        # Ahead of the messages the test writes next, so their first try is due at once: by
        # half a minute, as writing them (a hall, a few issues) takes more than a second on a
        # loaded machine.
        self.now = datetime.now(UTC) + timedelta(seconds=30)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def worker_of(app: Flask, clock: Clock | None = None, **kwargs: Any) -> Worker:
    with app.app_context():
        engine = db.engine
    if clock is not None:
        kwargs["clock"] = clock
    return Worker(engine, app.config, **kwargs)
