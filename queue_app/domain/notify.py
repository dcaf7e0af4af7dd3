"""Notifications: what is sent for which event, in which words, and when a failed delivery is
tried again. Pure: the outbox (services/notifications.py) and the delivery worker
(queue_app/notify/) do the rest."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The events a holder is told about (the webhook's `event`)."""

    ISSUED = "ticket.issued"
    ALMOST = "ticket.almost"
    ADMITTED = "ticket.admitted"
    CALLED = "ticket.called"
    NO_SHOW = "ticket.no_show"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_REMINDER = "booking.reminder"


class State(StrEnum):
    """Where a message of the outbox is."""

    QUEUED = "queued"
    RETRYING = "retrying"
    SENT = "sent"
    DEAD = "dead"


PENDING = (State.QUEUED.value, State.RETRYING.value)
LANGS = ("id", "en")
#: Tickets ahead of a holder when `ticket.almost` is sent, unless the site sets its own.
ALMOST_AHEAD = 5
#: The bounds of that setting, and of the days numbers are kept (retention).
ALMOST_AHEAD_MAX = 50
RETENTION_DAYS_MAX = 366
#: The longest template the console takes (an SMS is 160 characters; WhatsApp takes more).
TEMPLATE_MAX = 500

#: The placeholders each kind's template may use.
PLACEHOLDERS: dict[Kind, frozenset[str]] = {
    Kind.ISSUED: frozenset({"code", "service", "site", "link"}),
    Kind.ALMOST: frozenset({"code", "service", "site", "ahead", "link"}),
    Kind.ADMITTED: frozenset({"code", "service", "site"}),
    Kind.CALLED: frozenset({"code", "service", "site", "counter"}),
    Kind.NO_SHOW: frozenset({"code", "service", "site"}),
    Kind.BOOKING_CONFIRMED: frozenset({"code", "service", "site", "date", "session", "link"}),
    Kind.BOOKING_REMINDER: frozenset({"code", "service", "site", "date", "session", "link"}),
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
    Kind.BOOKING_CONFIRMED: {
        "id": "{site}: pendaftaran {code} untuk {service} pada {date} pukul {session} "
        "diterima. Tunjukkan kode atau QR di kios saat datang: {link}",
        "en": "{site}: booking {code} for {service} on {date} at {session} is confirmed. "
        "Show the code or QR at the kiosk when you arrive: {link}",
    },
    Kind.BOOKING_REMINDER: {
        "id": "{site}: pengingat, pendaftaran {code} untuk {service} pada {date} pukul "
        "{session}. Bawa dokumen yang diperlukan: {link}",
        "en": "{site}: a reminder of booking {code} for {service} on {date} at {session}. "
        "Bring the documents you need: {link}",
    },
}

#: When a booking's reminders go out: the evening before its day (local time), and this long
#: before its session starts.
REMINDER_EVENING_HOUR = 18
REMINDER_BEFORE_S = 3600


def reminder_due(
    starts_at: datetime, evening_before: datetime, created_at: datetime, now: datetime, sent: int
) -> int | None:
    """Which reminder of a booking to send now: 1 (the evening before its day), 2 (an hour
    before its session), or None; `sent` is the last one sent (0 for none). An hour before,
    the evening's is no longer sent (the hour's says it); none once the session has started;
    a booking made after a reminder's time does not get that one (its confirmation just
    said it all)."""
    hour = starts_at - timedelta(seconds=REMINDER_BEFORE_S)
    if now >= starts_at:
        return None
    if now >= hour:
        return 2 if sent < 2 and created_at < hour else None
    if now >= evening_before:
        return 1 if sent < 1 and created_at < evening_before else None
    return None


class TemplateError(ValueError):
    """A template that cannot be used: an unknown placeholder (`placeholder`, with the ones
    its kind allows in `allowed`), or broken braces (`placeholder` None)."""

    def __init__(self, message: str, placeholder: str | None = None, allowed: str = "") -> None:
        super().__init__(message)
        self.placeholder = placeholder
        self.allowed = allowed


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
                f"unknown placeholder {{{name}}} in a {kind.value} template; use {known}",
                placeholder="{" + name + "}",
                allowed=known,
            )


@dataclass(frozen=True)
class KindPolicy:
    """A site's choice for one kind: sent or not, and its own texts (None: the default)."""

    on: bool = True
    texts: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """What a site sends and how: the kinds switched on, their texts, and how many may be
    ahead when `ticket.almost` goes out. The default sends every kind in the default words."""

    almost_ahead: int = ALMOST_AHEAD
    kinds: Mapping[Kind, KindPolicy] = field(default_factory=dict)

    def sends(self, kind: Kind) -> bool:
        return self.kinds.get(kind, KindPolicy()).on

    def template(self, kind: Kind, lang: str) -> str:
        """The site's text of `kind` in `lang`, else the default in `lang`, else Indonesian."""
        own = self.kinds.get(kind, KindPolicy()).texts
        return own.get(lang) or TEMPLATES[kind].get(lang) or own.get("id") or TEMPLATES[kind]["id"]

    @classmethod
    def from_stored(cls, almost_ahead: int, kinds: Mapping[str, Any]) -> Policy:
        """The policy of a stored settings row (`kinds` as NotificationSettings keeps it);
        a kind it does not know is ignored."""
        known = {k.value: k for k in Kind}
        return cls(
            almost_ahead=almost_ahead,
            kinds={
                known[name]: KindPolicy(
                    on=bool(choice.get("on", True)),
                    texts={lang: choice.get(lang) or None for lang in LANGS},
                )
                for name, choice in kinds.items()
                if name in known and isinstance(choice, Mapping)
            },
        )

    def stored(self) -> dict[str, dict[str, Any]]:
        """The `kinds` column of this policy: every kind, on or off, with its own texts."""
        return {
            kind.value: {
                "on": self.sends(kind),
                **{lang: self.kinds.get(kind, KindPolicy()).texts.get(lang) for lang in LANGS},
            }
            for kind in Kind
        }


DEFAULT_POLICY = Policy()


def render(
    kind: Kind, lang: str, values: Mapping[str, object], policy: Policy = DEFAULT_POLICY
) -> str:
    """The text of a message: the site's (or the default) template of the kind in `lang`
    (Indonesian when unknown)."""
    template = policy.template(kind, lang)
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
