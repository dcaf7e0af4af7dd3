"""Notification settings: production refuses to start without a key and a secret, the server
starts its delivery loop once per process, and the dev key is stable."""

from __future__ import annotations

from typing import Any

import pytest

from queue_app import create_app, notify
from queue_app.notify.crypto import Sealer, fernet_key
from queue_app.security import InsecureConfiguration

STRONG = "k3y-0f-a-l0ng-r4nd0m-pr0duct10n-s3cr3t-4x9"


def production(**extra: Any) -> dict[str, Any]:
    return {
        "PRODUCTION": True,
        "SECRET_KEY": STRONG,
        "PUBLIC_BASE_URL": "https://antrean.example.go.id",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "NOTIFY_ENABLED": True,
        "NOTIFY_WEBHOOK_URL": "https://gateway.example/hook",
        **extra,
    }


def test_production_refuses_notifications_without_a_key_or_secret() -> None:
    with pytest.raises(InsecureConfiguration, match="NOTIFY_KEY and NOTIFY_WEBHOOK_SECRET"):
        create_app(production())
    with pytest.raises(InsecureConfiguration, match="NOTIFY_KEY"):
        create_app(production(NOTIFY_WEBHOOK_SECRET="s"))


def test_production_starts_with_both_or_with_notifications_off() -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    create_app(production(NOTIFY_KEY=key, NOTIFY_WEBHOOK_SECRET="s"))
    create_app(production(NOTIFY_ENABLED=False))


def test_a_malformed_key_is_refused() -> None:
    with pytest.raises(InsecureConfiguration, match="Fernet"):
        create_app(
            {"SQLALCHEMY_DATABASE_URI": "sqlite://", "NOTIFY_ENABLED": True, "NOTIFY_KEY": "short"}
        )


def test_the_development_key_comes_from_secret_key_and_is_stable() -> None:
    config = {"SECRET_KEY": "one"}
    assert fernet_key(config) == fernet_key({"SECRET_KEY": "one"})
    assert fernet_key(config) != fernet_key({"SECRET_KEY": "two"})
    sealed = Sealer(config).seal("+6281234567890")
    assert Sealer({"SECRET_KEY": "one"}).open(sealed) == "+6281234567890"
    assert Sealer({"SECRET_KEY": "two"}).open(sealed) is None


def test_the_server_starts_one_delivery_loop_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(notify.socketio, "start_background_task", lambda f: started.append(f))
    monkeypatch.setattr(notify, "_started", {})
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x",
            "NOTIFY_ENABLED": True,
            "NOTIFY_WEBHOOK_URL": "http://127.0.0.1:9/hook",
        }
    )
    client = app.test_client()
    client.get("/no-such-page")
    assert len(started) == 1  # the first request started it
    client.get("/no-such-page")
    notify.start_in_server(app)
    assert len(started) == 1  # and nothing starts it twice
