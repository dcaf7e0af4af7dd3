"""One active ticket per holder: where a site collects a phone number or NIK at the kiosk, a
holder may hold only one active ticket (issued, waiting, called, serving) per service and day.

The number itself is never stored, shown or logged. A ticket keeps only an HMAC-SHA-256 of the
service day and the normalised number, keyed with a key derived from SECRET_KEY: the same holder
matches within a day, hashes of two days cannot be linked, and without the key a hash cannot be
checked against a list of numbers. Rotating SECRET_KEY therefore forgets the day's holders.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import AlreadyHolding, InvalidHolderId
from ..models import Ticket
from .hall import ACTIVE_STATES

#: What a site may collect (`sites.holder_id_kind`).
PHONE = "phone"
NIK = "nik"
KINDS = (PHONE, NIK)

#: Separators people type inside numbers.
_SEPARATORS = re.compile(r"[\s\-.()/]")
#: An Indonesian mobile number after its +62 / 62 / 0 prefix: 8, then 8 to 11 more digits.
_MOBILE = re.compile(r"8[1-9][0-9]{7,10}")
#: A NIK (Nomor Induk Kependudukan): exactly 16 digits.
_NIK = re.compile(r"[0-9]{16}")
#: Longest input looked at (a formatted number is well under this).
MAX_INPUT = 32


@dataclass(frozen=True, repr=False)
class HolderId:
    """A normalised phone number (`+628…`) or NIK with the key that hashes it. Its repr hides
    the number, so it never lands in a log or a traceback."""

    kind: str
    value: str
    key: bytes = field(repr=False)

    def digest(self, day: date) -> str:
        """The stored form: HMAC-SHA-256 of (day, kind, number), 64 hex characters."""
        message = f"{day.isoformat()}|{self.kind}|{self.value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def week_digest(self, monday: date) -> str:
        """The same keyed hash of the holder for an ISO week (its Monday), for the weekly
        booking limit: linkable within the week only, never to a day's hash."""
        message = f"week:{monday.isoformat()}|{self.kind}|{self.value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return f"HolderId(kind={self.kind!r}, value=<hidden>)"


def holder_key(secret_key: str | bytes) -> bytes:
    """The key for holder hashes, derived from the app's SECRET_KEY (never the key itself)."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"loket/holder-id/v1", hashlib.sha256).digest()


def normalise_phone(raw: str) -> str | None:
    """`0812-3456-7890`, `+62 812 3456 7890`, `62812…` or `812…` → `+6281234567890`; None
    when it is not an Indonesian mobile number."""
    text = _SEPARATORS.sub("", raw)
    if text.startswith("+"):
        if not text.startswith("+62"):
            return None
        text = text[1:]
    if not (text.isascii() and text.isdigit()):
        return None
    if text.startswith("62"):
        text = text[2:]
    elif text.startswith("0"):
        text = text[1:]
    return "+62" + text if _MOBILE.fullmatch(text) else None


def normalise_nik(raw: str) -> str | None:
    """Sixteen digits (spaces and dots allowed between them), or None."""
    text = _SEPARATORS.sub("", raw)
    return text if text.isascii() and _NIK.fullmatch(text) else None


def parse_holder_id(kind: str, raw: object, key: bytes) -> HolderId:
    """The holder id a site of this `kind` asked for; `InvalidHolderId` (422) when it is not
    well formed. The message never repeats what was typed."""
    if kind not in KINDS:
        raise InvalidHolderId(f"this site asks for an unknown holder id kind {kind!r}")
    what = "an Indonesian mobile number (08…)" if kind == PHONE else "a NIK of exactly 16 digits"
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_INPUT:
        raise InvalidHolderId(f"'holder_id' must be {what}", field="holder_id", kind=kind)
    value = normalise_phone(raw) if kind == PHONE else normalise_nik(raw)
    if value is None:
        raise InvalidHolderId(f"'holder_id' must be {what}", field="holder_id", kind=kind)
    return HolderId(kind, value, key)


def refuse_second_ticket(session: Session, service_id: int, day: date, digest: str) -> None:
    """Raise `AlreadyHolding` when this holder already has an active ticket drawn from this
    service today. Call under the hall's lock (issue_ticket does), so two simultaneous issues
    for one holder cannot both pass."""
    held = session.scalars(
        select(Ticket.code)
        .where(
            Ticket.issued_service_id == service_id,
            Ticket.service_day == day,
            Ticket.holder_hash == digest,
            Ticket.state.in_(ACTIVE_STATES),
        )
        .limit(1)
    ).first()
    if held is not None:
        raise AlreadyHolding(
            "this phone number or NIK already holds an active ticket for this service today"
        )
