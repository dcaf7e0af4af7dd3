"""Password hashes: scrypt unless a test run asks for a cheaper method, and always scrypt in
production, whatever the environment says."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from queue_app.services.passwords import hash_password


def test_the_suite_hashes_cheaply_and_the_hash_still_checks() -> None:
    stored = hash_password("password123")
    assert stored.startswith("pbkdf2:sha256:1000$")
    assert check_password_hash(stored, "password123")
    assert not check_password_hash(stored, "password124")


def test_without_the_setting_new_hashes_use_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOKET_PASSWORD_HASH_METHOD")
    assert hash_password("password123").startswith("scrypt:")


def test_production_ignores_a_cheap_method(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.setenv("LOKET_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1")
    stored = hash_password("password123")
    assert stored.startswith("scrypt:")
    assert check_password_hash(stored, "password123")
