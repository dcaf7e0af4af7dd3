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
        "NOTIFY_TIMEOUT_S": 0.5,
        **extra,
    }


@pytest.fixture
def app(database_url: str, receiver: Receiver) -> Iterator[Flask]:
    with app_with_tables(database_url, **notify_config(receiver)) as application:
        yield application


class Clock:
    """A clock the test moves by hand (the worker's `clock`)."""

    def __init__(self) -> None:
        # A second ahead of the messages the test writes next (their first try is due at once).
        self.now = datetime.now(UTC) + timedelta(seconds=1)

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
