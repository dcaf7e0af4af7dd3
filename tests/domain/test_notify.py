"""Notification templates and the retry arithmetic (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from queue_app.domain import notify
from queue_app.domain.notify import Kind, State, TemplateError

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("lang", notify.LANGS)
def test_every_default_template_passes_its_own_check(kind: Kind, lang: str) -> None:
    notify.check_template(kind, notify.TEMPLATES[kind][lang])


def test_an_unknown_placeholder_is_refused_with_the_ones_to_use() -> None:
    with pytest.raises(TemplateError) as refused:
        notify.check_template(Kind.ADMITTED, "{code} go to counter {counter}")
    assert "{counter}" in str(refused.value)
    assert "{code}" in str(refused.value) and "{site}" in str(refused.value)


def test_broken_braces_are_refused() -> None:
    with pytest.raises(TemplateError, match="braces"):
        notify.check_template(Kind.CALLED, "counter {counter")


def test_render_falls_back_to_indonesian() -> None:
    text = notify.render(Kind.CALLED, "fr", {"site": "MPP", "code": "A001", "counter": 3})
    assert text == "MPP: nomor A001 dipanggil ke loket 3."


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for tries in range(1, 12):
        ceiling = min(notify.BACKOFF_MAX_S, notify.BACKOFF_BASE_S * 2 ** (tries - 1))
        wait = notify.backoff_s(tries, rng)
        assert ceiling / 2 <= wait <= ceiling
    waits = {round(notify.backoff_s(3, rng), 6) for _ in range(20)}
    assert len(waits) > 1  # jitter: retries of many messages do not arrive together


def failure(status: int | None, **kw: object) -> notify.Outcome:
    args: dict[str, object] = {
        "tries": 1,
        "created_at": T0,
        "now": T0,
        "retry_for_s": 7200,
        "status": status,
        "rng": random.Random(0),
    }
    args.update(kw)
    return notify.after_failure(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [None, 500, 502, 503, 408 + 21])
def test_server_errors_timeouts_and_429_are_retried(status: int | None) -> None:
    outcome = failure(status)
    assert outcome.state == State.RETRYING
    assert outcome.retry_at is not None and outcome.retry_at > T0


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_4xx_other_than_429_is_dead_at_once(status: int) -> None:
    assert failure(status) == notify.Outcome(State.DEAD)


def test_429_waits_its_retry_after() -> None:
    outcome = failure(429, retry_after_s=120.0)
    assert outcome == notify.Outcome(State.RETRYING, T0 + timedelta(seconds=120))


def test_dead_once_the_next_try_would_be_past_the_limit() -> None:
    late = T0 + timedelta(seconds=7200 - 1)
    assert failure(500, now=late).state == State.DEAD
    assert failure(429, now=T0, retry_after_s=7201).state == State.DEAD
