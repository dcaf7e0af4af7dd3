"""The webhook to the SMS/WhatsApp gateway (binding, docs/notifications.md): one POST per
message, JSON, with `Idempotency-Key` and `X-Loket-Signature` headers. Any 2xx is delivered."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..models import Notification

#: Longest error text kept on a message.
ERROR_MAX = 500


def payload(message: Notification, to: str, site: int) -> dict[str, Any]:
    """The request body of a message (`to`: the decrypted number)."""
    ticket = None
    if message.ticket_code is not None:
        ticket = {
            "code": message.ticket_code,
            "service": message.service_code,
            "counter": message.counter_number,
        }
    booking = None
    if message.booking_code is not None:
        booking = {
            "code": message.booking_code,
            "date": message.service_day.isoformat(),
            "session": message.booking_session,
        }
    return {
        "id": message.id,
        "event": message.event,
        "created_at": message.created_at.isoformat(),
        "site": site,
        "to": to,
        "text": message.text,
        "lang": message.lang,
        "ticket": ticket,
        "booking": booking,
    }


#: The event of a test message (the admin console's test-send): never in the outbox.
TEST_EVENT = "test"


def test_payload(to: str, site: int, now: datetime, lang: str = "id") -> dict[str, Any]:
    """The body of a test message: the shape of every message, with `event` "test"."""
    text = {
        "id": "Loket: pesan uji. Gateway notifikasi aula ini bekerja.",
        "en": "Loket: test message. This hall's notification gateway works.",
    }[lang]
    return {
        "id": uuid.uuid4().hex,
        "event": TEST_EVENT,
        "created_at": now.isoformat(),
        "site": site,
        "to": to,
        "text": text,
        "lang": lang,
        "ticket": None,
        "booking": None,
    }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Loket-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<body>")>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass(frozen=True)
class Answer:
    """What the gateway answered: its status (None: no answer at all), a 429's Retry-After in
    seconds, and what went wrong."""

    status: int | None
    retry_after_s: float | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, secret: str, body: dict[str, Any], now: datetime, timeout_s: float) -> Answer:
    """POST one message to the gateway."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(
        url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": str(body["id"]),
            "X-Loket-Signature": signature(secret, int(now.timestamp()), raw),
            "User-Agent": "Loket-notify/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as exc:
        retry_after = _retry_after(exc.headers.get("Retry-After"), now)
        exc.close()
        return Answer(exc.code, retry_after, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, a malformed URL
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:ERROR_MAX])


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())
