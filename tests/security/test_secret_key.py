"""The production start refuses a missing, short or published SECRET_KEY, with a message that
says what to do; a development start (no LOKET_ENV) keeps working without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from queue_app.security import InsecureConfiguration, published_secret_keys, secret_key_problem

from ..conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "f3a1c9d27e4b8a6051d2c3b4a59687e1f0d9c8b7a6e5d4c3b2a1908f7e6d5c4b"


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "change-me",
        "CHANGE-ME",
        "dev",
        "secret",
        "test-secret",
        "live-test-secret",
        "short-but-random-7f3a",
        "change-me-to-a-long-random-value-of-64-characters-please-0123456789",
        "example-secret-key-for-the-docs-only-0123456789abcdef",
        "a" * 64,
    ],
)
def test_production_refuses_a_weak_secret_key(
    key: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    with pytest.raises(InsecureConfiguration) as refused:
        make_app(f"sqlite:///{tmp_path / 'x.db'}", SECRET_KEY=key)
    message = str(refused.value)
    assert "SECRET_KEY" in message and "LOKET_ENV=production" in message
    assert "secrets.token_hex" in message  # says how to make a good one
    if key and len(key) > 8:
        assert key not in message  # never echoes the key


def test_production_starts_with_a_strong_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", SECRET_KEY=STRONG_KEY)
    assert app.config["PRODUCTION"] is True and app.secret_key == STRONG_KEY


def test_every_secret_key_written_in_the_docs_or_deploy_examples_is_refused(
    tmp_path: Path,
) -> None:
    """Whatever example value README.md, docs/ or deploy/ show for SECRET_KEY (now or later)
    can never sign a production session."""
    published = published_secret_keys()
    for value in published:
        assert secret_key_problem(value, published) is not None, value
    # a strong-looking example someone adds to a deploy template later is refused too
    probe = "Zq8v3LkP0wYt5Rb7Nc2Hd9Fg4Js6Mx1Ae0Ui3Oy7Tr5We2Qs"
    (tmp_path / "deploy" / "systemd").mkdir(parents=True)
    (tmp_path / "deploy" / "systemd" / "loket.env").write_text(
        f"LOKET_ENV=production\nSECRET_KEY='{probe}'\n", encoding="utf-8"
    )
    (tmp_path / "README.md").write_text("export SECRET_KEY=another-example-value\n")
    found = published_secret_keys(tmp_path)
    assert found == {probe, "another-example-value"}
    assert secret_key_problem(probe, found) == (
        "SECRET_KEY is the example value published in this repository"
    )
    assert secret_key_problem(probe) is None  # a strong key nobody published is fine


def test_a_real_production_start_exits_with_the_reason() -> None:
    """`flask` (as gunicorn would import wsgi:app) with LOKET_ENV=production and a placeholder
    key: it does not start, and says why."""
    env = {
        **os.environ,
        "LOKET_ENV": "production",
        "SECRET_KEY": "change-me",
        "DATABASE_URL": "sqlite:///:memory:",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "refuses to start in production" in done.stderr
    assert "SECRET_KEY is a placeholder value" in done.stderr


def test_development_needs_no_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LOKET_ENV", raising=False)
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", SECRET_KEY="dev")
    assert app.config["PRODUCTION"] is False and app.secret_key == "dev"
