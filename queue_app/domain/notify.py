"""Notifications: what is sent for which event, in which words, and when a failed delivery is
tried again. Pure: the outbox (services/notifications.py) and the delivery worker
(queue_app/notify/) do the rest."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    """The events a holder is told about (the webhook's `event`)."""

    ISSUED = "ticket.issued"
    ALMOST = "ticket.almost"
    ADMITTED = "ticket.admitted"
    CALLED = "ticket.called"
    NO_SHOW = "ticket.no_show"


class State(StrEnum):
    """Where a message of the outbox is."""

    QUEUED = "queued"
    RETRYING = "retrying"
    SENT = "sent"
    DEAD = "dead"


PENDING = (State.QUEUED.value, State.RETRYING.value)
LANGS = ("id", "en")
#: Tickets ahead of a holder when `ticket.almost` is sent (a site setting later).
ALMOST_AHEAD = 5

#: The placeholders each kind's template may use.
PLACEHOLDERS: dict[Kind, frozenset[str]] = {
    Kind.ISSUED: frozenset({"code", "service", "site", "link"}),
    Kind.ALMOST: frozenset({"code", "service", "site", "ahead", "link"}),
    Kind.ADMITTED: frozenset({"code", "service", "site"}),
    Kind.CALLED: frozenset({"code", "service", "site", "counter"}),
    Kind.NO_SHOW: frozenset({"code", "service", "site"}),
}

#: The default texts, Indonesian and English.
TEMPLATES: dict[Kind, dict[str, str]] = {
    Kind.ISSUED: {
        "id": "{site}: nomor antrean Anda {code} ({service}). Pantau antrean: {link}",
        "en": "{site}: your queue number is {code} ({service}). Follow the queue: {link}",
    },
    Kind.ALMOST: {
        "id": "{site}: tinggal {ahead} orang lagi sebelum nomor {code}. Mohon kembali ke "
        "gedung. {link}",
        "en": "{site}: {ahead} people ahead of number {code}. Please come back to the hall. {link}",
    },
    Kind.ADMITTED: {
        "id": "{site}: nomor {code} silakan masuk ke ruang tunggu sekarang.",
        "en": "{site}: number {code}, you may enter the waiting hall now.",
    },
    Kind.CALLED: {
        "id": "{site}: nomor {code} dipanggil ke loket {counter}.",
        "en": "{site}: number {code}, please go to counter {counter}.",
    },
    Kind.NO_SHOW: {
        "id": "{site}: nomor {code} dilewati karena tidak hadir saat dipanggil. Silakan "
        "hubungi petugas.",
        "en": "{site}: number {code} was skipped because nobody came when it was called. "
        "Please ask the staff.",
    },
}


class TemplateError(ValueError):
    """A template that cannot be used: an unknown placeholder, or broken braces."""


def check_template(kind: Kind, text: str) -> None:
    """Refuse a template naming a placeholder its kind does not have, or with broken braces
    (`TemplateError`, its message saying which)."""
    allowed = PLACEHOLDERS[kind]
    try:
        fields = [
            name for _, name, spec, conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError as exc:
        raise TemplateError(f"the template's braces do not match: {exc}") from None
    for name in fields:
        if name not in allowed:
            known = ", ".join("{" + p + "}" for p in sorted(allowed))
            raise TemplateError(
                f"unknown placeholder {{{name}}} in a {kind.value} template; use {known}"
            )


def render(kind: Kind, lang: str, values: Mapping[str, object]) -> str:
    """The text of a message: the kind's template in `lang` (Indonesian when unknown)."""
    templates = TEMPLATES[kind]
    template = templates.get(lang) or templates["id"]
    return template.format_map({name: values.get(name, "") for name in PLACEHOLDERS[kind]})


# -- retries ---------------------------------------------------------------------------------

#: The first retry waits about this long; each next one twice as long, up to BACKOFF_MAX_S.
BACKOFF_BASE_S = 5.0
BACKOFF_MAX_S = 600.0


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt decided: sent, try again at `retry_at`, or dead."""

    state: State
    retry_at: datetime | None = None


def backoff_s(tries: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `tries`-th failed attempt: exponential with full jitter
    (between half and the whole of base·2^(tries-1), capped)."""
    ceiling = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** max(0, tries - 1))
    jitter: float = (rng or random).random()
    return float(ceiling * (0.5 + 0.5 * jitter))


def after_failure(
    *,
    tries: int,
    created_at: datetime,
    now: datetime,
    retry_for_s: float,
    status: int | None,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> Outcome:
    """What follows a failed attempt (`tries` counts it). `status`: the HTTP status, None for
    a timeout or a refused connection. A 4xx other than 429 is dead at once; a 429 waits its
    `Retry-After` when it gave one; anything else backs off. A message older than
    `retry_for_s` by its next try is dead."""
    if status is not None and 400 <= status < 500 and status != 429:
        return Outcome(State.DEAD)
    if status == 429 and retry_after_s is not None:
        wait = max(0.0, retry_after_s)
    else:
        wait = backoff_s(tries, rng)
    retry_at = now + timedelta(seconds=wait)
    if retry_at > created_at + timedelta(seconds=retry_for_s):
        return Outcome(State.DEAD)
    return Outcome(State.RETRYING, retry_at)
